import type { SdkPage } from './sdkPage.js';

/** One beep every 2 s: a latency up to that long is still matched to its own beep. */
const BEEP_EVERY_MS = 2_000;

/**
 * Mouth-to-ear latency in the browser: the sender publishes a microphone of short beeps built in
 * WebAudio and notes when each one started (Date.now()); the receiver listens to what it gets
 * from the sender through a ScriptProcessor and notes each beep's onset. Both pages run on one
 * machine, so their clocks agree: the difference is capture → encode → network → SFU → jitter
 * buffer → decode → playout.
 */
export async function publishBeeps(page: SdkPage, { everyMs = BEEP_EVERY_MS, beepMs = 60, frequencyHz = 1_000 } = {}): Promise<void> {
  await page.run(
    `
    const ctx = new AudioContext({ sampleRate: 48000 });
    await ctx.resume();
    const tone = ctx.createOscillator();
    tone.frequency.value = arg.frequencyHz;
    const gate = ctx.createGain();
    gate.gain.value = 0;
    const out = ctx.createMediaStreamDestination();
    tone.connect(gate).connect(out);
    tone.start();
    // A quiet hum under the beeps keeps packets flowing (no Opus DTX), as a room microphone would.
    const hum = ctx.createOscillator();
    hum.frequency.value = 300;
    const humLevel = ctx.createGain();
    humLevel.gain.value = 0.02;
    hum.connect(humLevel).connect(out);
    hum.start();
    window.beepsSent = [];
    setInterval(() => {
      const at = ctx.currentTime + 0.02;
      gate.gain.setValueAtTime(0.5, at);
      gate.gain.setValueAtTime(0, at + arg.beepMs / 1000);
      // When the beep leaves the audio graph, on the wall clock.
      window.beepsSent.push(Date.now() + 20 + (ctx.baseLatency ?? 0) * 1000);
    }, arg.everyMs);
    await client.publishTrack('microphone', out.stream.getAudioTracks()[0]);
  `,
    { everyMs, beepMs, frequencyHz },
  );
}

/** Starts noting the onsets of beeps in the audio received from `participantId`. */
export async function watchBeeps(page: SdkPage, participantId: string): Promise<void> {
  await page.run(
    `
    let remote = null;
    for (let i = 0; i < 100 && !remote; i++) {
      remote = client.remoteTracks().find((t) => t.kind === 'audio' && t.participantId === arg);
      if (!remote) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!remote) throw new Error('no audio from ' + arg);
    const ctx = new AudioContext({ sampleRate: 48000 });
    await ctx.resume();
    // Chromium feeds a remote track to WebAudio only while a media element plays it too.
    const element = new Audio();
    element.muted = true;
    element.srcObject = new MediaStream([remote.track]);
    await element.play().catch(() => {});
    const source = ctx.createMediaStreamSource(new MediaStream([remote.track]));
    const probe = ctx.createScriptProcessor(256, 1, 1);
    window.beepsHeard = [];
    let quietSince = 0;
    let loud = false;
    probe.onaudioprocess = (event) => {
      const samples = event.inputBuffer.getChannelData(0);
      let sum = 0;
      for (const x of samples) sum += x * x;
      const rms = Math.sqrt(sum / samples.length);
      const now = Date.now();
      if (rms > 0.05 && !loud) {
        loud = true;
        // The block's start: it was handed over as soon as it was complete.
        if (now - quietSince > 300) window.beepsHeard.push(now - (samples.length / ctx.sampleRate) * 1000);
      } else if (rms < 0.03 && loud) {
        loud = false;
        quietSince = now;
      }
    };
    source.connect(probe).connect(ctx.destination);
    window.beepProbe = { ctx, probe, element };
  `,
    participantId,
  );
}

/** Latencies (ms) of the beeps heard from `sender` by `receiver` between `fromMs` and `toMs` (wall clock). */
export async function beepLatencies(sender: SdkPage, receiver: SdkPage, fromMs: number, toMs: number): Promise<number[]> {
  const sent = await sender.run<number[]>('return window.beepsSent;');
  const heard = await receiver.run<number[]>('return window.beepsHeard;');
  const latencies: number[] = [];
  for (const at of heard) {
    if (at < fromMs || at >= toMs) continue;
    // The latest beep sent before it, within a beep interval.
    const source = sent.filter((s) => s <= at && at - s < BEEP_EVERY_MS).at(-1);
    if (source !== undefined) latencies.push(Math.round(at - source));
  }
  return latencies;
}
