import { renderVodPlaylist } from '../src/replay/hlsPlaylist.js';

const segments = [
  { uri: 'seg-00000.ts', durationMs: 8_000 },
  { uri: 'seg-00001.ts', durationMs: 2_000 },
  { uri: 'seg-00002.ts', durationMs: 9_876.5 },
];

describe('renderVodPlaylist', () => {
  it('renders a finished lesson as a VOD playlist', () => {
    expect(renderVodPlaylist(segments, { ended: true })).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-TARGETDURATION:10',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXTINF:8.000,',
        'seg-00000.ts',
        '#EXTINF:2.000,',
        'seg-00001.ts',
        '#EXTINF:9.877,',
        'seg-00002.ts',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });

  it('renders a lesson still recording as a growing EVENT playlist without ENDLIST', () => {
    const text = renderVodPlaylist(segments.slice(0, 1), { ended: false });
    expect(text).toContain('#EXT-X-PLAYLIST-TYPE:EVENT\n');
    expect(text).not.toContain('ENDLIST');
    expect(text.endsWith('seg-00000.ts\n')).toBe(true);
  });

  it('rounds the target duration up', () => {
    expect(renderVodPlaylist([{ uri: 'a.ts', durationMs: 10_001 }], { ended: true })).toContain('#EXT-X-TARGETDURATION:11\n');
    expect(renderVodPlaylist([{ uri: 'a.ts', durationMs: 10_000 }], { ended: true })).toContain('#EXT-X-TARGETDURATION:10\n');
  });

  it('keeps the target duration fixed while recording when given the window length', () => {
    expect(renderVodPlaylist([{ uri: 'a.ts', durationMs: 2_000 }], { ended: false, minTargetDurationS: 10 })).toContain('#EXT-X-TARGETDURATION:10\n');
  });

  it('renders an empty playlist before the first segment', () => {
    expect(renderVodPlaylist([], { ended: false })).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n',
    );
  });

  it('refuses segments without a duration or with a URI that would break the playlist', () => {
    expect(() => renderVodPlaylist([{ uri: 'a.ts', durationMs: 0 }], { ended: true })).toThrow(RangeError);
    expect(() => renderVodPlaylist([{ uri: 'a.ts\n#EXT-X-ENDLIST', durationMs: 1_000 }], { ended: true })).toThrow(RangeError);
    expect(() => renderVodPlaylist([{ uri: '', durationMs: 1_000 }], { ended: true })).toThrow(RangeError);
  });
});
