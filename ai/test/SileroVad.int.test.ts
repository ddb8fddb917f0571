/** @jest-environment ./ai/test/support/outerRealmEnvironment.cjs */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SileroVad, VAD_WINDOW, VadModelError } from '../src/vad/SileroVad.js';
import { fliteSpeech } from './support/speech.js';

/** Speech probability per window (window start in seconds → probability). */
async function probabilities(vad: SileroVad, samples: Float32Array): Promise<{ atS: number; p: number }[]> {
  const out: { atS: number; p: number }[] = [];
  for (let at = 0; at + VAD_WINDOW <= samples.length; at += VAD_WINDOW) {
    out.push({ atS: at / 16_000, p: await vad.process(samples.subarray(at, at + VAD_WINDOW)) });
  }
  return out;
}

describe('SileroVad (v5 on onnxruntime-node, real model)', () => {
  it('finds flite speech where it is and nothing in the silence around it', async () => {
    const { samples, speechStartS, speechEndS } = fliteSpeech('Today we learn how to add two fractions with the same denominator.');
    const vad = await SileroVad.load();
    const windows = await probabilities(vad, samples);
    await vad.close();

    const inSpeech = windows.filter((w) => w.atS > speechStartS + 0.3 && w.atS < speechEndS - 0.3);
    const inSilence = windows.filter((w) => w.atS < speechStartS - 0.3 || w.atS > speechEndS + 0.6);
    expect(inSilence.length).toBeGreaterThan(20);
    expect(Math.max(...inSilence.map((w) => w.p))).toBeLessThan(0.2);
    // Most of the speech scores high (short pauses between words may not).
    expect(inSpeech.filter((w) => w.p > 0.5).length / inSpeech.length).toBeGreaterThan(0.7);
    // Onset: the first confident window is within 150 ms of where the speech starts.
    const onset = windows.find((w) => w.p > 0.5)!;
    expect(Math.abs(onset.atS - speechStartS)).toBeLessThan(0.15);
  });

  it('keeps streams apart: reset() forgets the previous speaker', async () => {
    const { samples } = fliteSpeech('Open your books to page twelve.', 0.5, 0);
    const vad = await SileroVad.load();
    await probabilities(vad, samples);
    vad.reset();
    const silence = await probabilities(vad, new Float32Array(16_000));
    await vad.close();
    expect(Math.max(...silence.map((w) => w.p))).toBeLessThan(0.2);
  });

  it('names the path when the model is missing or not a Silero model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'classbridge-vad-'));
    await expect(SileroVad.load(join(dir, 'missing.onnx'))).rejects.toThrow(/missing\.onnx.*does not exist/);
    const corrupt = join(dir, 'corrupt.onnx');
    writeFileSync(corrupt, 'not an onnx model');
    const error = await SileroVad.load(corrupt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VadModelError);
    expect((error as VadModelError).message).toContain(corrupt);
  });

  it('refuses windows of the wrong size', async () => {
    const vad = await SileroVad.load();
    await expect(vad.process(new Float32Array(480))).rejects.toThrow(RangeError);
    await vad.close();
  });
});
