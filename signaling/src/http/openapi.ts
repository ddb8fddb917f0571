import { z } from 'zod';
import { ErrorCode } from '@classbridge/protocol';
import { createLessonSchema, lessonSchema, classroomSchema, districtSchema, schoolSchema, teacherSchema } from '../domain/schemas.js';
import { mintTokenSchema } from './schemas.js';
import { replayTokenRequestSchema } from './recordingRoutes.js';
import { deliveryRecordSchema, deliveryStates, webhookPayloadSchema } from '../webhooks/schemas.js';

const json = (schema: z.ZodType, io: 'input' | 'output' = 'output') => ({
  'application/json': { schema: z.toJSONSchema(schema, { io, unrepresentable: 'any' }) },
});

const errorResponse = {
  description: 'Error with a stable code',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', enum: Object.values(ErrorCode) },
              message: { type: 'string' },
              retryAfterSeconds: { type: 'integer', description: 'With RATE_LIMITED: seconds until a retry may succeed (also the Retry-After header).' },
            },
          },
        },
      },
    },
  },
};

const lessonId = { name: 'lessonId', in: 'path', required: true, schema: { type: 'string' } };
const recordingId = { name: 'recordingId', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' } };
const replayToken = { name: 'token', in: 'path', required: true, schema: { type: 'string' }, description: 'A replay token from POST /api/lessons/{lessonId}/replay-tokens' };
const rateLimited = { ...errorResponse, description: 'RATE_LIMITED: too many requests, or too many wrong API keys, from this address; see Retry-After' };
const errors = { '400': errorResponse, '401': errorResponse, '404': errorResponse, '409': errorResponse, '429': rateLimited };
const lessonResponse = { '200': { description: 'The lesson', content: json(lessonSchema) }, ...errors };

/** The OpenAPI 3.1 document of the REST API, built from the same zod schemas that validate requests. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'ClassBridge signaling REST API', version: '0.1.0', description: 'Admin API: every /api call needs header x-api-key.' },
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when the server has one' },
      },
    },
    security: [{ apiKey: [] }],
    paths: {
      '/healthz': { get: { security: [], summary: 'Liveness and media worker health', responses: { '200': { description: 'healthy' }, '503': { description: 'no media worker' } } } },
      '/metrics': {
        get: {
          security: [{}, { metricsToken: [] }],
          summary: 'Prometheus metrics (bearer METRICS_TOKEN when configured)',
          responses: { '200': { description: 'text exposition format' }, '401': errorResponse },
        },
      },
      '/api/directory': {
        get: {
          summary: 'Districts, schools, classrooms and teachers',
          responses: {
            '200': {
              description: 'The directory',
              content: json(z.object({ districts: z.array(districtSchema), schools: z.array(schoolSchema), classrooms: z.array(classroomSchema), teachers: z.array(teacherSchema) })),
            },
            ...errors,
          },
        },
      },
      '/api/lessons': {
        get: {
          summary: 'List lessons',
          parameters: [{ name: 'status', in: 'query', schema: { type: 'string', enum: ['scheduled', 'live', 'ended'] } }],
          responses: { '200': { description: 'Lessons', content: json(z.object({ lessons: z.array(lessonSchema) })) }, ...errors },
        },
        post: {
          summary: 'Schedule a lesson (409 LIMIT_EXCEEDED beyond MAX_OPEN_LESSONS)',
          requestBody: { required: true, content: json(createLessonSchema, 'input') },
          responses: { '201': { description: 'Created', content: json(lessonSchema) }, ...errors },
        },
      },
      '/api/lessons/{lessonId}': { get: { summary: 'Get a lesson', parameters: [lessonId], responses: lessonResponse } },
      '/api/lessons/{lessonId}/start': { post: { summary: 'Start a lesson (scheduled → live)', parameters: [lessonId], responses: lessonResponse } },
      '/api/lessons/{lessonId}/end': { post: { summary: 'End a lesson for everyone', parameters: [lessonId], responses: lessonResponse } },
      '/api/lessons/{lessonId}/participants': {
        get: { summary: 'Participants of a live lesson and the floor', parameters: [lessonId], responses: { '200': { description: 'Participants' }, ...errors } },
      },
      '/api/lessons/{lessonId}/tokens': {
        post: {
          summary: 'Mint an access token (an invitation) for one participant',
          parameters: [lessonId],
          requestBody: { required: true, content: json(mintTokenSchema, 'input') },
          responses: {
            '201': {
              description: 'Token',
              content: json(
                z.object({
                  token: z.string(),
                  expiresAt: z.string(),
                  participantId: z.string(),
                  role: z.string(),
                  displayName: z.string(),
                  iceServers: z
                    .array(z.object({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() }))
                    .describe('TURN servers with credentials minted for this participant (TURN REST API; empty when TURN is off). The SDK gets fresh ones with each transport.'),
                  iceTransportPolicy: z.enum(['all', 'relay']),
                }),
              ),
            },
            ...errors,
            '403': errorResponse,
          },
        },
      },
      '/api/recordings': {
        get: {
          summary: 'Recordings, newest first ({ recording: "off", recordings: [] } when RECORDING=off or ffmpeg is missing)',
          parameters: [{ name: 'lessonId', in: 'query', schema: { type: 'string' } }],
          responses: { '200': { description: 'Recording summaries (state recording | processing | ready | failed)' }, ...errors },
        },
      },
      '/api/recordings/{recordingId}': {
        get: {
          summary: 'A recording: its manifest (tracks, time ranges, floor timeline, files, state) and progress { composedSeconds, durationSeconds }',
          parameters: [recordingId],
          responses: { '200': { description: 'Manifest and progress' }, ...errors },
        },
        delete: { summary: 'Delete a recording and every file of it (409 while it records)', parameters: [recordingId], responses: { '204': { description: 'Deleted' }, ...errors } },
      },
      '/api/recordings/{recordingId}/files/{name}': {
        get: {
          summary: 'A replay file for operators (index.m3u8, seg-NNNNN.ts, lesson.mp4, thumbnail.jpg, captions.vtt); Range requests; ?download=1 for an attachment',
          parameters: [recordingId, { name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The file' }, '206': { description: 'A byte range' }, '416': { description: 'Range not satisfiable' }, ...errors },
        },
      },
      '/api/lessons/{lessonId}/replay-tokens': {
        post: {
          summary: 'Mint a replay link for one lesson: a signed token that expires (at most REPLAY_TOKEN_MAX_TTL_SECONDS)',
          parameters: [lessonId],
          requestBody: { required: false, content: json(replayTokenRequestSchema, 'input') },
          responses: { '201': { description: 'Token', content: json(z.object({ token: z.string(), expiresAt: z.string(), url: z.string() })) }, ...errors },
        },
      },
      '/replay/{token}/recordings': {
        get: {
          security: [],
          summary: 'Viewers: the ready recordings of the lesson a replay token opens (401 invalid, TOKEN_EXPIRED expired)',
          parameters: [replayToken],
          responses: { '200': { description: 'Lesson and recordings' }, '401': errorResponse },
        },
      },
      '/replay/{token}/{recordingId}/{file}': {
        get: {
          security: [],
          summary: 'Viewers: a replay file (HLS playlist and segments, MP4, thumbnail, captions); Range requests; another lesson\'s recording answers 404',
          parameters: [replayToken, recordingId, { name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The file' }, '206': { description: 'A byte range' }, '401': errorResponse, '404': errorResponse },
        },
      },
      '/api/lessons/{lessonId}/transcript': {
        get: {
          summary: 'A lesson\'s transcript (final captions with speaker and times): JSON, WebVTT or SRT; 404 when it has none or CAPTIONS=off',
          parameters: [
            lessonId,
            { name: 'format', in: 'query', schema: { type: 'string', enum: ['json', 'vtt', 'srt'], default: 'json' } },
            { name: 'download', in: 'query', schema: { type: 'string', enum: ['0', '1'] } },
          ],
          responses: { '200': { description: 'The transcript' }, ...errors },
        },
      },
      '/api/transcripts/search': {
        get: {
          summary: 'Where a word or phrase was said: substring, case- and width-insensitive, over every transcript (or one lesson\'s)',
          parameters: [
            { name: 'q', in: 'query', required: true, schema: { type: 'string', minLength: 1, maxLength: 100 } },
            { name: 'lessonId', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
          ],
          responses: { '200': { description: '{ query, hits: [{ lessonId, lessonTitle, captionId, speaker, text, atSeconds, startMs }] }' }, ...errors },
        },
      },
      '/replay/{token}/transcript': {
        get: {
          security: [],
          summary: 'Viewers: the transcript of the replay token\'s lesson (JSON, WebVTT or SRT)',
          parameters: [replayToken, { name: 'format', in: 'query', schema: { type: 'string', enum: ['json', 'vtt', 'srt'], default: 'json' } }],
          responses: { '200': { description: 'The transcript' }, '401': errorResponse, '404': errorResponse },
        },
      },
      '/replay/{token}/transcript/search': {
        get: {
          security: [],
          summary: 'Viewers: where a word was said in the replay token\'s lesson',
          parameters: [replayToken, { name: 'q', in: 'query', required: true, schema: { type: 'string', minLength: 1, maxLength: 100 } }],
          responses: { '200': { description: '{ query, hits }' }, '400': errorResponse, '401': errorResponse },
        },
      },
      '/api/webhooks/deliveries': {
        get: {
          summary: 'The last webhook deliveries, newest first (404 when webhooks are off)',
          parameters: [
            { name: 'state', in: 'query', schema: { type: 'string', enum: [...deliveryStates] } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 1000 } },
          ],
          responses: { '200': { description: 'Deliveries', content: json(z.object({ deliveries: z.array(deliveryRecordSchema) })) }, ...errors },
        },
      },
    },
    webhooks: {
      lessonEvent: {
        post: {
          security: [],
          summary: 'A lesson event, POSTed to every WEBHOOK_URLS endpoint (answer 2xx; 408, 429 and 5xx are retried, other answers are final)',
          parameters: [
            { name: 'ClassBridge-Event', in: 'header', required: true, schema: { type: 'string' }, description: 'The payload type' },
            { name: 'ClassBridge-Delivery', in: 'header', required: true, schema: { type: 'string', format: 'uuid' }, description: 'The payload id, the same on every retry' },
            {
              name: 'ClassBridge-Signature',
              in: 'header',
              required: true,
              schema: { type: 'string' },
              description: 't=<unix seconds>,v1=<hex HMAC-SHA256(WEBHOOK_SECRET, "<t>.<raw body>")>; refuse it when t is more than 5 minutes away',
            },
          ],
          requestBody: { required: true, content: json(webhookPayloadSchema) },
          responses: { '200': { description: 'Received (any 2xx)' } },
        },
      },
    },
  };
}
