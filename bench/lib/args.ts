/** True when the benchmark was asked for its short version (`--quick`): fewer and shorter runs. */
export const quick = process.argv.includes('--quick');
