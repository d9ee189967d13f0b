import 'aws-sdk-client-mock-jest';

// Handlers log through Powertools; keep test output readable.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_REGION ??= 'eu-west-1';
// Business metrics go to stdout as EMF in Lambda; here tests and rehearsals observe them (handlers/lib/metrics.ts).
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'Turbo/rehearsal';
