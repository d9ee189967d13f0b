/** Input fields shared by the handlers' schemas: the same rules as the config, applied again at every step. */
import { z } from 'zod';
import { DNS_LABEL, MAX_DEVELOPER_NAME } from '../../core/config';

export const developerField = z.string().max(MAX_DEVELOPER_NAME).regex(DNS_LABEL, { message: 'must be a DNS-1123 label' });
/** `<developer>-<up|down>-<yyyymmdd>`, also the environment execution's name (at most 80 characters). */
export const runIdField = z.string().max(80).regex(/^[a-z0-9][-a-z0-9]*$/, { message: 'must be a run ID such as alice-up-20261124' });
export const jobKindField = z.enum(['apply', 'destroy', 'deploy']);

export const jobHandleField = z.object({
  runner: z.enum(['codebuild', 'jenkins', 'memory']),
  kind: jobKindField,
  developer: developerField,
  runId: runIdField,
  id: z.string().min(1),
  buildNumber: z.number().int().optional(),
  startedAt: z.string(),
});
