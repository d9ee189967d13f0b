// Validates Kubernetes objects (a JSON list on stdin) with kubernetes-models and prints one result each.
// It runs as its own ES module process: kubernetes-models exports ESM only, which jest's CommonJS runtime
// cannot resolve.
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { StorageClass } from 'kubernetes-models/storage.k8s.io/v1/StorageClass';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';

const MODELS = { Deployment, StatefulSet, NetworkPolicy, PodDisruptionBudget, StorageClass, Namespace, Service };

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map((object) => {
  const Model = MODELS[object.kind];
  if (!Model) return { kind: object.kind, name: object.metadata?.name, error: `no model for kind ${object.kind}` };
  try {
    new Model(object).validate();
    return { kind: object.kind, name: object.metadata.name, error: null };
  } catch (error) {
    return { kind: object.kind, name: object.metadata.name, error: error.message };
  }
});
process.stdout.write(JSON.stringify(results));
