import type { SdkPage } from './sdkPage.js';

/** The acoustic path from a classroom's loudspeakers to its microphone. */
export interface LoudspeakerPath {
  /** Extra delay after the page plays the audio out (the room, the sound card), ms. */
  delayMs: number;
  /** Level at the microphone relative to what the loudspeakers play, dB (e.g. −12). */
  gainDb: number;
  /** Speaker coloration: a low-pass corner (Hz) and a resonance (Hz, dB). */
  lowpassHz?: number;
  resonanceHz?: number;
  resonanceDb?: number;
}

export interface RoomMicrophoneOptions {
  /** Whose received microphone the room's loudspeakers play into its microphone (null: none, a clean room). */
  echoOf: { participantId: string; path: LoudspeakerPath } | null;
  /** Someone in the room talking: 16-bit mono WAV, looped, at this level (dB relative to full scale of the file). */
  talker?: { wav: Buffer; gainDb: number } | null;
}

/**
 * Makes an SDK page's microphone a remote classroom's room microphone, built in WebAudio and
 * published with `publishTrack('microphone')`: what its loudspeakers leak back (the received
 * audio of `echoOf`, delayed, attenuated and coloured: an echo canceller that failed) mixed with a
 * talker in the room. `setRoomMicrophone` changes both live, without republishing.
 */
export async function publishRoomMicrophone(page: SdkPage, options: RoomMicrophoneOptions): Promise<void> {
  await page.run(
    `
    const ctx = new AudioContext({ sampleRate: 48000 });
    await ctx.resume();
    const out = ctx.createMediaStreamDestination();
    const echoGain = ctx.createGain();
    echoGain.gain.value = 0;
    const delay = ctx.createDelay(2);
    const lowpass = ctx.createBiquadFilter();
    lowpass.type = 'lowpass';
    const resonance = ctx.createBiquadFilter();
    resonance.type = 'peaking';
    delay.connect(lowpass).connect(resonance).connect(echoGain).connect(out);
    const talkerGain = ctx.createGain();
    talkerGain.gain.value = 0;
    talkerGain.connect(out);
    window.roomMic = { ctx, delay, lowpass, resonance, echoGain, talkerGain, source: null, sourceOf: null, talker: null, talkerWav: null };
    await client.publishTrack('microphone', out.stream.getAudioTracks()[0]);
  `,
  );
  await setRoomMicrophone(page, options);
}

/** Changes what a room microphone (publishRoomMicrophone) hears. */
export async function setRoomMicrophone(page: SdkPage, options: RoomMicrophoneOptions): Promise<void> {
  await page.run(
    `
    const mic = window.roomMic;
    const { echoOf, talker } = arg;
    const db = (value) => Math.pow(10, value / 20);
    if (echoOf) {
      if (mic.sourceOf !== echoOf.participantId) {
        let remote = null;
        for (let i = 0; i < 100 && !remote; i++) {
          remote = client.remoteTracks().find((t) => t.kind === 'audio' && t.participantId === echoOf.participantId);
          if (!remote) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        if (!remote) throw new Error('no audio received from ' + echoOf.participantId);
        // Chromium feeds a remote track to WebAudio only while a media element plays it too.
        const element = new Audio();
        element.muted = true;
        element.srcObject = new MediaStream([remote.track]);
        await element.play().catch(() => {});
        mic.source?.disconnect();
        mic.source = mic.ctx.createMediaStreamSource(new MediaStream([remote.track]));
        mic.source.connect(mic.delay);
        mic.sourceOf = echoOf.participantId;
        mic.element = element;
      }
      const path = echoOf.path;
      mic.delay.delayTime.value = path.delayMs / 1000;
      mic.lowpass.frequency.value = path.lowpassHz ?? 20000;
      mic.resonance.frequency.value = path.resonanceHz ?? 1000;
      mic.resonance.gain.value = path.resonanceDb ?? 0;
      mic.echoGain.gain.value = db(path.gainDb);
    } else {
      mic.echoGain.gain.value = 0;
    }
    if (talker) {
      if (mic.talkerWav !== talker.wav) {
        const bytes = Uint8Array.from(atob(talker.wav), (c) => c.charCodeAt(0));
        const buffer = await mic.ctx.decodeAudioData(bytes.buffer);
        mic.talker?.stop();
        mic.talker = mic.ctx.createBufferSource();
        mic.talker.buffer = buffer;
        mic.talker.loop = true;
        mic.talker.connect(mic.talkerGain);
        mic.talker.start();
        mic.talkerWav = talker.wav;
      }
      mic.talkerGain.gain.value = db(talker.gainDb);
    } else {
      mic.talkerGain.gain.value = 0;
    }
  `,
    { echoOf: options.echoOf, talker: options.talker ? { wav: options.talker.wav.toString('base64'), gainDb: options.talker.gainDb } : null },
  );
}
