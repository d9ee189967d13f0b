import 'aws-sdk-client-mock-jest';
import { unreadIamFindings } from '../cli/rehearsal/enforce';

// IAM enforced by execution: a rehearsal in any test that met an AccessDenied (or a call held to no role) and did
// not look at it fails that test, so every workflow test is held to the packaged roles.
afterEach(() => {
  expect(unreadIamFindings()).toEqual([]);
});

// Handlers log through Powertools; keep test output readable.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_REGION ??= 'eu-west-1';
// Business metrics go to stdout as EMF in Lambda; here tests and rehearsals observe them (handlers/lib/metrics.ts).
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'Turbo/rehearsal';
