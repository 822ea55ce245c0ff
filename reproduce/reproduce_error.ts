/** Bad input to a reproduction (unknown net, bad seeds, a results file that is not one): the CLI prints it, exit 2. */
export class ReproduceError extends Error {}
