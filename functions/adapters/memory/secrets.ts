/** The in-memory SecretStore: SSM and Secrets Manager as the rehearsal sees them, names to values. */
import type { SecretStore } from '../../core/ports';
import { NETWORK_VPC_PARAMETER } from '../../core/plan';
import { missingSecret, secretSource } from '../secrets';
import type { AwsCallListener } from './simulation';

export class MemorySecrets implements SecretStore {
  /** The values, which never leave the ports. The shared network is applied in a rehearsal (core/plan holdUpsWithoutNetwork). */
  readonly values = new Map<string, string>([[NETWORK_VPC_PARAMETER, 'vpc-0rehearsal']]);

  constructor(private readonly onAwsCall: AwsCallListener = () => {}) {}

  async get(name: string): Promise<string> {
    this.onAwsCall(name.startsWith('secretsmanager:') ? 'secretsmanager:GetSecretValue' : 'ssm:GetParameter', name);
    const source = secretSource(name);
    const value = this.values.get(name);
    if (value === undefined) throw missingSecret(name, source);
    return value;
  }
}
