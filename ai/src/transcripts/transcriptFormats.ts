import type { Caption } from '@classbridge/protocol';

/** A transcript cue: a final caption placed on a timeline that starts at `originMs`. */
export interface Cue {
  startS: number;
  endS: number;
  speaker: string;
  text: string;
}

/**
 * Final captions → cues on a timeline starting at originMs (the recording's start, so the cues
 * line up with the replay). Captions before the origin are dropped; overlapping cues of one speaker
 * are trimmed so players never show two lines of the same person at once.
 */
export function toCues(captions: readonly Caption[], originMs: number): Cue[] {
  const cues = captions
    .filter((c) => c.final && c.text.trim() && c.endMs > originMs)
    .map((c) => ({ startS: Math.max(0, (c.startMs - originMs) / 1000), endS: (c.endMs - originMs) / 1000, speaker: c.speaker, text: c.text.trim() }))
    .sort((a, b) => a.startS - b.startS);
  for (let i = 1; i < cues.length; i++) {
    const previous = cues[i - 1]!;
    if (previous.speaker === cues[i]!.speaker && previous.endS > cues[i]!.startS) previous.endS = cues[i]!.startS;
  }
  return cues.filter((cue) => cue.endS > cue.startS);
}

/** WebVTT (the replay page's caption track); the speaker is a voice span. */
export function formatWebVtt(cues: readonly Cue[]): string {
  const body = cues.map((cue) => `${timestamp(cue.startS, '.')} --> ${timestamp(cue.endS, '.')}\n<v ${escapeVtt(cue.speaker)}>${escapeVtt(cue.text)}`);
  return ['WEBVTT', '', ...body.flatMap((cue) => [cue, ''])].join('\n');
}

/** SubRip, for download and editors; the speaker prefixes the line. */
export function formatSrt(cues: readonly Cue[]): string {
  return cues.map((cue, i) => `${i + 1}\n${timestamp(cue.startS, ',')} --> ${timestamp(cue.endS, ',')}\n${cue.speaker}: ${cue.text.replace(/\n+/g, ' ')}\n`).join('\n');
}

function timestamp(seconds: number, fraction: '.' | ','): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  return `${pad(h)}:${pad(m)}:${pad(s)}${fraction}${String(ms % 1000).padStart(3, '0')}`;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** A cue's text must not end the cue (blank line, "-->") or open markup. */
const escapeVtt = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n+/g, ' ');
