/**
 * A local serverless plugin: drops each DependsOn entry that the resource already references with Ref or
 * Fn::GetAtt (or through Fn::Sub), since CloudFormation orders those anyway. serverless and its plugins add such
 * entries (a function on its role, a state machine on its role, an HTTP API route on its integration): cfn-lint
 * warns on each (W3005), and a template with warnings is refused by tools that hold it to cfn-lint.
 */
'use strict';

/** Logical IDs that a node refers to: Ref, Fn::GetAtt, and ${Name} / ${Name.Attr} inside Fn::Sub. */
function referencedIds(node, found = new Set()) {
  if (Array.isArray(node)) {
    for (const item of node) referencedIds(item, found);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Ref' && typeof value === 'string') found.add(value);
      else if (key === 'Fn::GetAtt') found.add(Array.isArray(value) ? String(value[0]) : String(value).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(value) ? value : [value, {}];
        for (const match of String(text).matchAll(/\$\{([^}!]+)\}/g)) {
          const name = match[1].split('.')[0];
          if (!(variables && name in variables)) found.add(name);
        }
        referencedIds(variables, found);
      } else referencedIds(value, found);
    }
  }
  return found;
}

/** Returns how many entries it removed; the template is changed in place. */
function pruneRedundantDependsOn(template) {
  let removed = 0;
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.DependsOn === undefined) continue;
    const dependsOn = [resource.DependsOn].flat();
    const referenced = referencedIds({ Properties: resource.Properties, Metadata: resource.Metadata, Condition: resource.Condition });
    const kept = dependsOn.filter((id) => !referenced.has(id));
    removed += dependsOn.length - kept.length;
    if (kept.length === 0) delete resource.DependsOn;
    else resource.DependsOn = kept;
  }
  return removed;
}

class PruneDependsOnPlugin {
  constructor(serverless) {
    this.hooks = {
      // After serverless merged resources/ and every plugin added its own, before the template is written.
      'before:aws:package:finalize:saveServiceState': () => {
        pruneRedundantDependsOn(serverless.service.provider.compiledCloudFormationTemplate);
      },
    };
  }
}

module.exports = PruneDependsOnPlugin;
module.exports.pruneRedundantDependsOn = pruneRedundantDependsOn;
