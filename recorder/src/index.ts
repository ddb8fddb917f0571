export { Recorder } from './Recorder.js';
export type { LessonCatalog, RecorderOptions, ReplayFile } from './Recorder.js';
export { LocalDirectoryStorage } from './storage/LocalDirectoryStorage.js';
export type { RecordingStorage } from './storage/RecordingStorage.js';
export { isRecordingId, isRecordingFileName } from './storage/RecordingStorage.js';
export { parseManifest, manifestSchema, MANIFEST_FILE } from './manifest/RecordingManifest.js';
export type { RecordingManifest, RecordedTrack, LessonDescription, RecordingState } from './manifest/RecordingManifest.js';
export { PLAYLIST_FILE, MP4_FILE, THUMBNAIL_FILE } from './processing/RecordingProcessor.js';
export { resolveFfmpeg } from './ffmpeg/resolveFfmpeg.js';
export type { FfmpegBinaries } from './ffmpeg/resolveFfmpeg.js';
// RTP reception pieces the caption worker shares (one parser, one clock mapping for every media tap).
export { parseRtpPacket } from './rtp/RtpPacket.js';
export type { RtpPacket } from './rtp/RtpPacket.js';
export { OpusDepacketizer } from './rtp/OpusDepacketizer.js';
export { RtpClock } from './rtp/RtpClock.js';
export { SenderClock } from './rtp/SenderClock.js';
