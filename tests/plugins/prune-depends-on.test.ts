/** plugins/prune-depends-on.cjs: only DependsOn entries that a Ref, Fn::GetAtt or Fn::Sub already enforces go. */
import { packagedStack } from '../support/packaged';

const { pruneRedundantDependsOn } = require('../../plugins/prune-depends-on.cjs') as {
  pruneRedundantDependsOn: (template: unknown) => number;
};

describe('pruneRedundantDependsOn', () => {
  it('drops what a Ref, a GetAtt or a Fn::Sub already orders, keeps the rest, and removes an emptied DependsOn', () => {
    const template = {
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', DependsOn: ['LogGroup', 'Role'], Properties: { Role: { 'Fn::GetAtt': ['Role', 'Arn'] } } },
        Machine: {
          Type: 'AWS::StepFunctions::StateMachine',
          DependsOn: 'MachineRole',
          Properties: { RoleArn: { 'Fn::GetAtt': 'MachineRole.Arn' } },
        },
        Route: {
          Type: 'AWS::ApiGatewayV2::Route',
          DependsOn: ['Integration'],
          Properties: { Target: { 'Fn::Join': ['/', ['integrations', { Ref: 'Integration' }]] } },
        },
        Sub: {
          Type: 'X',
          DependsOn: ['Table', 'Other', 'Named'],
          Properties: { A: { 'Fn::Sub': ['${Table.Arn}/${x}', { x: { Ref: 'Named' } }] } },
        },
      },
    };
    expect(pruneRedundantDependsOn(template)).toBe(5);
    expect(template.Resources.Fn.DependsOn).toEqual(['LogGroup']);
    expect('DependsOn' in template.Resources.Machine).toBe(false);
    expect('DependsOn' in template.Resources.Route).toBe(false);
    expect(template.Resources.Sub.DependsOn).toEqual(['Other']);
  });

  it('has left no redundant DependsOn in the packaged template (W3005)', () => {
    const copy = JSON.parse(JSON.stringify(packagedStack().template));
    expect(pruneRedundantDependsOn(copy)).toBe(0);
  });
});
