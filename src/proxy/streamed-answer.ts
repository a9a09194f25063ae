/** How a streamed answer ended: every byte relayed, cut (the upstream failed, the bound or the deadline passed), or the reader left. */
export interface StreamEnd {
  /** Bytes relayed to the reader. */
  bytes: number;
  outcome: 'complete' | 'cut' | 'gone';
  /** Why it was cut (an AppError naming the upstream). */
  error?: unknown;
}

/**
 * An action's answer relayed as it arrives (the http plugin's): the upstream's status, the headers that may pass
 * and the body, already bounded by the upstream client (size, deadline). The HTTP route streams it back as is; a
 * caller that needs one value (an MCP tool) reads it whole with `whole()`, still bounded. Read once; the end hooks
 * (the audit event, releasing the deadline) run once when it ends, however it ends.
 */
export class StreamedAnswer {
  private readonly ends: ((end: StreamEnd) => void)[] = [];
  private read = false;

  /**
   * @param status the upstream's status
   * @param headers the upstream's headers that pass (lower-case names)
   * @param source the body's chunks (bounded by the upstream client)
   * @param toValue the answer as one value, from the whole body (for `whole()`)
   */
  constructor(
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
    private readonly source: AsyncIterable<Buffer>,
    private readonly toValue: (body: Buffer) => unknown,
  ) {}

  /** Runs `fn` once when the answer ends (complete, cut or abandoned by its reader). */
  onEnd(fn: (end: StreamEnd) => void): this {
    this.ends.push(fn);
    return this;
  }

  /** The body's chunks as they arrive; returning early (the reader went away) ends it as `gone`. */
  async *chunks(): AsyncGenerator<Buffer> {
    if (this.read) throw new Error('a streamed answer is read once');
    this.read = true;
    let bytes = 0;
    let end: StreamEnd | undefined;
    try {
      for await (const chunk of this.source) {
        bytes += chunk.length;
        yield chunk;
      }
      end = { bytes, outcome: 'complete' };
    } catch (e) {
      end = { bytes, outcome: 'cut', error: e };
      throw e;
    } finally {
      end ??= { bytes, outcome: 'gone' };
      for (const fn of this.ends) fn(end);
    }
  }

  /** The answer as one value (the whole body, bounded as the stream is, through `toValue`). */
  async whole(): Promise<unknown> {
    const parts: Buffer[] = [];
    for await (const chunk of this.chunks()) parts.push(chunk);
    return this.toValue(Buffer.concat(parts));
  }
}
