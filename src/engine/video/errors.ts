/** A request the DoP engine cannot render as given; the message is safe to show the API caller. */
export class DopInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DopInputError';
  }
}
