export interface EchoDuckOptions {
  /** How far the microphone is turned down while the teacher speaks, dB (default −20). */
  duckDb?: number;
  /** The teacher counts as speaking above this level of the received audio, dBFS (default −45). */
  speakingAboveDb?: number;
  /** After the teacher stops, the microphone stays down this long (the echo's tail), ms (default 400). */
  holdMs?: number;
}

const SAMPLE_EVERY_MS = 20;
/** Attack and release time constants of the gain, s: quick down, gentle up. */
const ATTACK_S = 0.01;
const RELEASE_S = 0.08;

/**
 * The automatic duck of a classroom whose loudspeakers leak the teacher back into its
 * microphone (the server's echo guard said so, and the server has ECHO_DUCK on): while the
 * teacher's received audio is loud, the room's microphone is turned down, so the teacher hears
 * little of themself; the room is heard at full level whenever the teacher is quiet. The
 * microphone passes through WebAudio: send `track` instead of it. Attenuating, not pausing,
 * keeps the echo audible to the echo guard, which then keeps its verdict.
 */
export class EchoDuck {
  /** The microphone as it should be sent now. */
  readonly track: MediaStreamTrack;
  readonly #context: AudioContext;
  readonly #gain: GainNode;
  readonly #analyser: AnalyserNode;
  readonly #samples: Float32Array<ArrayBuffer>;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #duckGain: number;
  readonly #speakingAbove: number;
  readonly #holdMs: number;
  #lastSpeechMs = Number.NEGATIVE_INFINITY;
  #ducking = false;
  #closed = false;

  constructor(microphone: MediaStreamTrack, teacher: MediaStreamTrack, options: EchoDuckOptions = {}) {
    this.#duckGain = 10 ** ((options.duckDb ?? -20) / 20);
    this.#speakingAbove = 10 ** ((options.speakingAboveDb ?? -45) / 20);
    this.#holdMs = options.holdMs ?? 400;
    this.#context = new AudioContext();
    void this.#context.resume().catch(() => undefined);
    this.#gain = this.#context.createGain();
    const out = this.#context.createMediaStreamDestination();
    this.#context.createMediaStreamSource(new MediaStream([microphone])).connect(this.#gain).connect(out);
    this.#analyser = this.#context.createAnalyser();
    this.#analyser.fftSize = 1024;
    this.#samples = new Float32Array(this.#analyser.fftSize);
    this.#context.createMediaStreamSource(new MediaStream([teacher])).connect(this.#analyser);
    this.track = out.stream.getAudioTracks()[0]!;
    this.#timer = setInterval(() => this.#sample(), SAMPLE_EVERY_MS);
  }

  /** Whether the microphone is turned down right now. */
  get ducking(): boolean {
    return this.#ducking;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.track.stop();
    void this.#context.close().catch(() => undefined);
  }

  #sample(): void {
    this.#analyser.getFloatTimeDomainData(this.#samples);
    let sum = 0;
    for (const sample of this.#samples) sum += sample * sample;
    const now = performance.now();
    if (Math.sqrt(sum / this.#samples.length) > this.#speakingAbove) this.#lastSpeechMs = now;
    const duck = now - this.#lastSpeechMs < this.#holdMs;
    if (duck === this.#ducking) return;
    this.#ducking = duck;
    this.#gain.gain.setTargetAtTime(duck ? this.#duckGain : 1, this.#context.currentTime, duck ? ATTACK_S : RELEASE_S);
  }
}
