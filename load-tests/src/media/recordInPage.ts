import type { SdkPage } from '../harness/sdkPage.js';

/**
 * Records what a receiving page gets live from one participant (its remote
 * camera and microphone, as the browser plays them in sync) with MediaRecorder,
 * for `ms` milliseconds; returns the WebM. The reference a recording's A/V sync
 * is compared with: what the class saw and heard.
 */
export async function recordRemoteMedia(page: SdkPage, participantId: string, ms: number): Promise<Buffer> {
  const base64 = await page.run<string>(
    `const tracks = client.remoteTracks().filter((t) => t.participantId === arg.participantId).map((t) => t.track);
     if (tracks.length < 2) throw new Error('no remote camera and microphone of ' + arg.participantId);
     const stream = new MediaStream(tracks);
     // Playing the stream (muted) keeps the audio flowing at its live pace.
     const player = document.createElement('video');
     player.muted = true;
     player.srcObject = stream;
     await player.play().catch(() => undefined);
     const recorder = new MediaRecorder(stream, { mimeType: 'video/webm;codecs=vp8,opus' });
     const chunks = [];
     recorder.ondataavailable = (event) => chunks.push(event.data);
     recorder.start(1000);
     await new Promise((resolve) => setTimeout(resolve, arg.ms));
     const stopped = new Promise((resolve) => (recorder.onstop = resolve));
     recorder.stop();
     await stopped;
     player.srcObject = null;
     const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
     let text = '';
     for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
     return btoa(text);`,
    { participantId, ms },
  );
  return Buffer.from(base64, 'base64');
}
