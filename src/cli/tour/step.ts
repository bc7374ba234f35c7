/** One step of `courier tour`: a short demonstration on loopback of one capability, as the chapter tells it. */
export interface TourStep {
  /** Short title, shown as the step's heading. */
  readonly title: string;
  /** The chapter idea this step shows, in one or two sentences. */
  readonly idea: string;
  /** Runs the demonstration, narrating through `say`; throws if what it shows did not happen. */
  run(say: (line: string) => void, signal: AbortSignal): Promise<void>;
}
