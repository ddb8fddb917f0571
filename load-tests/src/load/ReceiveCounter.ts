/**
 * Counts what arrives on one subscribed stream: packets, bytes, and losses from RTP
 * sequence numbers (a late packet fills the gap it left; on loopback repeats are
 * rare enough not to need a bitmap).
 */
export class ReceiveCounter {
  packets = 0;
  bytes = 0;
  #received = 0;
  #firstExtended: number | null = null;
  #highestExtended = 0;

  add(sequenceNumber: number, bytes: number): void {
    this.packets++;
    this.bytes += bytes;
    const extended = this.#extend(sequenceNumber);
    if (this.#firstExtended === null) {
      this.#firstExtended = extended;
      this.#highestExtended = extended;
      this.#received = 1;
    } else if (extended > this.#highestExtended) {
      this.#highestExtended = extended;
      this.#received++;
    } else if (extended >= this.#firstExtended) {
      this.#received++;
    }
  }

  /** Distinct sequence numbers the stream has covered so far. */
  get expected(): number {
    return this.#firstExtended === null ? 0 : this.#highestExtended - this.#firstExtended + 1;
  }

  /** Packets missing so far (never negative: retransmissions can make received exceed expected). */
  get lost(): number {
    return Math.max(0, this.expected - this.#received);
  }

  /** Unwraps 16-bit sequence numbers around the highest seen. */
  #extend(sequenceNumber: number): number {
    if (this.#firstExtended === null) return sequenceNumber + 65_536; // room to go back a little
    let candidate = this.#highestExtended - (this.#highestExtended % 65_536) + sequenceNumber;
    if (candidate - this.#highestExtended > 32_768) candidate -= 65_536;
    else if (this.#highestExtended - candidate > 32_768) candidate += 65_536;
    return candidate;
  }
}
