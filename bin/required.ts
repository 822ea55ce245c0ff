/** The help text of an option the command cannot run without: commander's help does not say so on its own. */
export function required(description: string): string {
  return `${description} (required)`;
}
