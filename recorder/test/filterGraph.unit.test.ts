import { aacSpan, buildComposeCommand, pipBox, segmentFrames } from '../src/compose/filterGraph.js';
import type { ComposeJob } from '../src/compose/filterGraph.js';

const file = (path: string, startMs: number, endMs: number) => ({ path, startMs, endMs });
const job = (overrides: Partial<ComposeJob>): ComposeJob => ({ segment: { startMs: 10_000, endMs: 20_000 }, main: null, pips: [], audio: [], output: '/out/seg.ts', ...overrides });

/** The value after an option (the first occurrence). */
const option = (args: string[], name: string) => args[args.indexOf(name) + 1];
/** The -i inputs in order, each with the options just before it. */
function inputs(args: string[]): Array<{ path: string; options: string[] }> {
  const result: Array<{ path: string; options: string[] }> = [];
  let start = args.indexOf('-copyts') + 1;
  args.forEach((arg, i) => {
    if (arg !== '-i') return;
    result.push({ path: args[i + 1]!, options: args.slice(start, i) });
    start = i + 2;
  });
  return result;
}
const chains = (graph: string) => graph.split(';');

describe('segment arithmetic', () => {
  it('counts the frames of a segment at the output rate', () => {
    expect(segmentFrames({ startMs: 0, endMs: 10_000 }, 15)).toBe(150);
    expect(segmentFrames({ startMs: 8_123, endMs: 10_000 }, 15)).toBe(28);
    expect(segmentFrames({ startMs: 0, endMs: 20 }, 15)).toBe(1);
  });

  it('puts AAC frames on a 1024-sample grid from time zero, so consecutive segments tile exactly', () => {
    expect(aacSpan({ startMs: 0, endMs: 8_000 })).toEqual({ firstSample: 0, endSample: 384_000 });
    expect(aacSpan({ startMs: 8_000, endMs: 10_000 })).toEqual({ firstSample: 384_000, endSample: 480_256 });
    const bounds = [0, 2_500, 4_100, 7_777, 10_000, 10_003, 20_000];
    for (let i = 0; i + 2 < bounds.length; i++) {
      const a = aacSpan({ startMs: bounds[i]!, endMs: bounds[i + 1]! });
      const b = aacSpan({ startMs: bounds[i + 1]!, endMs: bounds[i + 2]! });
      expect(b.firstSample).toBe(a.endSample);
      expect(a.firstSample % 1024).toBe(0);
      expect(a.firstSample / 48).toBeGreaterThanOrEqual(bounds[i]!);
      expect(a.firstSample / 48 - bounds[i]!).toBeLessThan(1024 / 48);
    }
  });

  it('stacks PiP boxes (a quarter of the output) upwards from the bottom-right corner', () => {
    expect(pipBox(1280, 720, 0)).toEqual({ width: 320, height: 180, right: 1264, bottom: 704 });
    expect(pipBox(1280, 720, 1)).toEqual({ width: 320, height: 180, right: 1264, bottom: 508 });
    expect(pipBox(640, 360, 0)).toEqual({ width: 160, height: 90, right: 632, bottom: 352 });
  });
});

describe('buildComposeCommand', () => {
  it('encodes a slate segment: background and silence, one GOP, placed at its time on the timeline', () => {
    const { args, filterGraph, frames } = buildComposeCommand(job({}));
    expect(frames).toBe(150);
    expect(inputs(args)).toEqual([]);
    expect(chains(filterGraph)[0]).toBe('color=c=0x1b1f24:s=1280x720:r=15,trim=end_frame=150,setsar=1[bg]');
    expect(filterGraph).toContain('[bg]format=yuv420p[vout]');
    expect(filterGraph).toMatch(/\[abed\]amix=inputs=1:.*normalize=0\[aout\]/);
    expect(option(args, '-g')).toBe('150');
    expect(option(args, '-c:v')).toBe('libx264');
    expect(option(args, '-preset')).toBe('veryfast');
    expect(option(args, '-profile:v')).toBe('main');
    expect(option(args, '-pix_fmt')).toBe('yuv420p');
    expect(option(args, '-crf')).toBe('26');
    expect(option(args, '-c:a')).toBe('aac');
    expect(option(args, '-b:a')).toBe('96k');
    expect(option(args, '-ar')).toBe('48000');
    expect(option(args, '-ac')).toBe('2');
    expect(option(args, '-output_ts_offset')).toBe('10');
    expect(option(args, '-f')).toBe('mpegts');
    expect(args.at(-1)).toBe('/out/seg.ts');
  });

  it('takes the output size and frame rate as parameters', () => {
    const { filterGraph, frames, args } = buildComposeCommand(job({ width: 640, height: 360, fps: 25, pips: [{ files: [file('p.webm', 0, 30_000)] }] }));
    expect(frames).toBe(250);
    expect(option(args, '-g')).toBe('250');
    expect(filterGraph).toContain('color=c=0x1b1f24:s=640x360:r=25,trim=end_frame=250');
    expect(filterGraph).toContain('scale=160:90:force_original_aspect_ratio=decrease');
    expect(filterGraph).toContain('overlay=x=632-overlay_w:y=352-overlay_h');
  });

  it('offsets the output by the exact start, also for a start that is not whole seconds', () => {
    expect(option(buildComposeCommand(job({ segment: { startMs: 8_123, endMs: 10_000 } })).args, '-output_ts_offset')).toBe('8.123');
  });

  it('reads video with absolute timestamps, seeking to the segment start only in files that begin earlier', () => {
    const { args } = buildComposeCommand(job({ main: { files: [file('early.webm', 0, 15_000), file('late.webm', 15_000, 30_000)] } }));
    expect(args.indexOf('-copyts')).toBeLessThan(args.indexOf('-i'));
    expect(inputs(args)).toEqual([
      { path: 'early.webm', options: ['-reinit_filter', '0', '-noaccurate_seek', '-seek_timestamp', '1', '-ss', '10'] },
      { path: 'late.webm', options: ['-reinit_filter', '0'] },
    ]);
  });

  it('shifts each video input to the segment start and letterboxes the main video', () => {
    const { filterGraph } = buildComposeCommand(job({ main: { files: [file('cam.webm', 0, 30_000)] } }));
    expect(chains(filterGraph)).toContain('[0:v]setpts=PTS-10/TB,scale=1280:720:force_original_aspect_ratio=decrease:force_divisible_by=2[v0]');
    expect(chains(filterGraph)).toContain('[bg][v0]overlay=x=(main_w-overlay_w)/2:y=(main_h-overlay_h)/2:eof_action=pass[o0]');
    expect(chains(filterGraph)).toContain('[o0]format=yuv420p[vout]');
  });

  it('shows a video file only within its span (and the track ranges)', () => {
    const { filterGraph } = buildComposeCommand(
      job({
        main: { files: [file('a.webm', 5_000, 14_000), file('b.webm', 14_500, 30_000)], ranges: [{ startMs: 0, endMs: 12_000 }, { startMs: 13_000, endMs: 30_000 }] },
      }),
    );
    expect(filterGraph).toContain("[bg][v0]overlay=x=(main_w-overlay_w)/2:y=(main_h-overlay_h)/2:eof_action=pass:enable='lt(t,2)+gte(t,3)*lt(t,4)'[o0]");
    expect(filterGraph).toContain("[o0][v1]overlay=x=(main_w-overlay_w)/2:y=(main_h-overlay_h)/2:eof_action=pass:enable='gte(t,4.5)'[o1]");
  });

  it('leaves out files that do not reach into the segment', () => {
    const { args } = buildComposeCommand(job({ main: { files: [file('before.webm', 0, 10_000), file('after.webm', 20_000, 30_000), file('in.webm', 9_000, 21_000)] } }));
    expect(inputs(args).map((input) => input.path)).toEqual(['in.webm']);
  });

  it('places PiPs bottom-right, the second above the first, over the main video', () => {
    const { filterGraph } = buildComposeCommand(
      job({ main: { files: [file('screen.webm', 0, 30_000)] }, pips: [{ files: [file('cam.webm', 0, 30_000)] }, { files: [file('class.webm', 0, 30_000)] }] }),
    );
    const overlays = chains(filterGraph).filter((chain) => chain.includes('overlay='));
    expect(overlays).toEqual([
      '[bg][v0]overlay=x=(main_w-overlay_w)/2:y=(main_h-overlay_h)/2:eof_action=pass[o0]',
      '[o0][v1]overlay=x=1264-overlay_w:y=704-overlay_h:eof_action=pass[o1]',
      '[o1][v2]overlay=x=1264-overlay_w:y=508-overlay_h:eof_action=pass[o2]',
    ]);
    expect(filterGraph).toContain('[1:v]setpts=PTS-10/TB,scale=320:180:force_original_aspect_ratio=decrease:force_divisible_by=2[v1]');
  });

  it('places every audio file at its timestamps on a silent bed of exactly the encoded length, mixed without normalising', () => {
    const { args, filterGraph, audio } = buildComposeCommand(
      job({
        audio: [
          { files: [file('teacher.webm', 0, 30_000)], ranges: [{ startMs: 10_000, endMs: 20_000 }] },
          { files: [file('class.webm', 12_000, 18_000)], ranges: [{ startMs: 12_000, endMs: 18_000 }] },
        ],
      }),
    );
    expect(audio).toEqual({ firstSample: 480_256, endSample: 960_512 });
    // From two AAC frames before the first kept one to two after the last: 480_256 - 2_048 - 480_000 = -1_792.
    const count = 960_512 + 2_048 - (480_256 - 2_048);
    expect(chains(filterGraph)).toContain(`anullsrc=r=48000:cl=stereo,atrim=end_sample=${count},asetpts=PTS+(-1792)/(48000*TB)[abed]`);
    expect(chains(filterGraph)).toContain(
      `[0:a]asetpts=PTS-10/TB,aresample=48000:async=1:min_hard_comp=0.01:first_pts=-1792,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo,atrim=end_sample=${count}[a1]`,
    );
    expect(chains(filterGraph)).toContain(
      `[1:a]asetpts=PTS-10/TB,aresample=48000:async=1:min_hard_comp=0.01:first_pts=-1792,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo,atrim=end_sample=${count},asetnsamples=n=240:p=0,volume=0:enable='not(gte(t,2)*lt(t,8))'[a2]`,
    );
    expect(chains(filterGraph)).toContain('[abed][a1][a2]amix=inputs=3:duration=first:dropout_transition=0:normalize=0[aout]');
    // Audio seeks start 200 ms before the lead-in (9.962667 s), for the Opus decoder to settle.
    expect(inputs(args)).toEqual([
      { path: 'teacher.webm', options: ['-noaccurate_seek', '-seek_timestamp', '1', '-ss', '9.762667'] },
      { path: 'class.webm', options: [] },
    ]);
  });

  it('keeps exactly the segment’s AAC frames: skips the priming frame and the lead-in, stops before the lead-out', () => {
    const { args } = buildComposeCommand(job({}));
    // Packet n holds samples from first + (n - 1) * 1024: packets 0–2 are priming and lead-in; the segment's 469 follow.
    expect(option(args, '-bsf:a')).toBe(`noise=drop='lt(n\\,3)+gte(n\\,${3 + (960_512 - 480_256) / 1024})'`);
  });

  it('mutes a track outside its audible ranges, except where they reach the window edges (clipped there)', () => {
    const gated = (ranges: Array<{ startMs: number; endMs: number }>, window?: { startMs: number; endMs: number }) => {
      const { filterGraph } = buildComposeCommand(job({ audio: [{ files: [file('mic.webm', 0, 30_000)], ranges }], ...(window ? { window } : {}) }));
      return /volume=0:enable='([^']*)'/.exec(filterGraph)?.[1] ?? null;
    };
    // Without a window, the segment's edges count as the window's.
    expect(gated([{ startMs: 10_000, endMs: 20_000 }])).toBeNull();
    expect(gated([{ startMs: 10_000, endMs: 16_000 }])).toBe('not(lt(t,6))');
    expect(gated([{ startMs: 12_000, endMs: 20_000 }])).toBe('not(gte(t,2))');
    expect(gated([{ startMs: 10_000, endMs: 11_000 }, { startMs: 15_000, endMs: 16_500 }])).toBe('not(lt(t,1)+gte(t,5)*lt(t,6.5))');
    // A floor turn starting or ending at the segment's edge inside the window is exact,
    // so the lead-in before it and the lead-out after it stay muted.
    const window = { startMs: 0, endMs: 30_000 };
    expect(gated([{ startMs: 10_000, endMs: 20_000 }], window)).toBe('not(gte(t,0)*lt(t,10))');
    expect(gated([{ startMs: 0, endMs: 20_000 }], window)).toBe('not(lt(t,10))');
    expect(gated([{ startMs: 10_000, endMs: 30_000 }], window)).toBe('not(gte(t,0))');
  });

  it('leaves out audio files that are never audible in the segment', () => {
    const { args } = buildComposeCommand(
      job({ audio: [{ files: [file('early.webm', 0, 9_000), file('mic.webm', 9_000, 30_000)], ranges: [{ startMs: 10_000, endMs: 12_000 }] }] }),
    );
    expect(inputs(args).map((input) => input.path)).toEqual(['mic.webm']);
  });

  it('refuses an empty segment', () => {
    expect(() => buildComposeCommand(job({ segment: { startMs: 5_000, endMs: 5_000 } }))).toThrow(RangeError);
  });
});
