/** A run folder that cannot be reported on (a user error: exit 2 with one line). */
export class ReportError extends Error {}
