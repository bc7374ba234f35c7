/**
 * The path of the value being written or read (`Person.items[3].name`), kept as a stack of segments
 * and turned into text only when an error needs it, so the per-value hot path builds no strings.
 */
export class PathStack {
  private readonly segs: (string | number)[] = [];

  constructor(private readonly root: string) {}

  /** Enters a field (a name), an element (an index) or a writeObject item (`<k>`). */
  push(seg: string | number): void {
    this.segs.push(seg);
  }
  pop(): void {
    this.segs.pop();
  }
  toString(): string {
    let s = this.root;
    for (const seg of this.segs) s += typeof seg === 'number' ? `[${seg}]` : seg.startsWith('<') ? seg : `.${seg}`;
    return s;
  }
}
