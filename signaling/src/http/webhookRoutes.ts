import express from 'express';
import type { Router } from 'express';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { DeliveryLog } from '../webhooks/DeliveryLog.js';
import { deliveryQuerySchema } from '../webhooks/schemas.js';
import { validate } from './restApi.js';

/** Admin routes under /api/webhooks: what was sent to the platform, and how it went. */
export function webhookRoutes(log: DeliveryLog | undefined): Router {
  const router = express.Router();

  router.get('/deliveries', (req, res) => {
    if (!log) throw new ClassBridgeError(ErrorCode.NotFound, 'webhooks are off: set WEBHOOK_URLS and WEBHOOK_SECRET');
    const query = validate(deliveryQuerySchema, req.query);
    res.json({ deliveries: log.list(query) });
  });

  return router;
}
