import 'aws-sdk-client-mock-jest';

// Handlers log through Powertools; keep test output readable.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_REGION ??= 'eu-west-1';
