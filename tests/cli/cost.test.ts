import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../cli/main';
import { captureIn, folderWith } from './capture';

const exampleText = readFileSync(join(__dirname, '../../turbo.config.example.yml'), 'utf8');

describe('turbo cost', () => {
  it('prints per-developer daily cost, always-on cost and savings, with the price table’s date', async () => {
    const captured = captureIn(folderWith({ 'turbo.config.yml': exampleText }));
    expect(await main(['cost', '--on', '2026-12-01'], captured.io)).toBe(0);
    const lines = captured.stdout().split('\n');
    expect(lines[0]!.split(/ {2,}/)).toEqual([
      'developer',
      'hours/day',
      'turbo/day',
      'always-on/day',
      'saved/day',
      'mode',
      'hibernate/day',
    ]);
    expect(lines[1]!.split(/ {2,}/)).toEqual(['alice', '10.4', '$2.33', '$4.99', '$2.66', 'destroy', '$3.65']);
    expect(captured.stdout()).toContain('eu-west-1, 2 × t3.medium; prices in USD checked 2026-11-25');
  });

  it('--week prints the week: working days with Turbo against seven days always on', async () => {
    const captured = captureIn(folderWith({ 'turbo.config.yml': exampleText }));
    expect(await main(['cost', '--week', '--on', '2026-12-01'], captured.io)).toBe(0);
    expect(captured.stdout().split('\n')[1]!.split(/ {2,}/)).toEqual(['alice', '10.4', '$12.23', '$34.95', '$22.72', 'destroy', '$23.65']);
  });

  it('prices a control plane in EKS extended support at the extended rate on the priced day, and says so', async () => {
    const text = exampleText.replace(/kubernetesVersion: "[^"]+"/, 'kubernetesVersion: "1.33"');
    const before = captureIn(folderWith({ 'turbo.config.yml': text }));
    expect(await main(['cost', '--on', '2026-07-28'], before.io)).toBe(0);
    expect(before.stdout().split('\n')[1]!.split(/ {2,}/)).toEqual(['alice', '10.4', '$2.33', '$4.99', '$2.66', 'destroy', '$3.65']);
    expect(before.stdout()).not.toContain('extended support');
    const after = captureIn(folderWith({ 'turbo.config.yml': text }));
    expect(await main(['cost', '--on', '2026-07-29'], after.io)).toBe(0);
    // 10.4 h × $0.50 more per hour for the control plane.
    expect(after.stdout().split('\n')[1]!.split(/ {2,}/)).toEqual(['alice', '10.4', '$7.54', '$16.99', '$9.45', 'destroy', '$15.65']);
    expect(after.stdout()).toContain(
      'Kubernetes 1.33 is in EKS extended support on 2026-07-29: the control plane is priced at the extended-support rate',
    );
  });

  it('names a region the price table does not know', async () => {
    const captured = captureIn(folderWith({ 'turbo.config.yml': exampleText.replace('region: eu-west-1', 'region: ap-south-2') }));
    expect(await main(['cost'], captured.io)).toBe(1);
    expect(captured.stderr()).toContain('region "ap-south-2" is not in the price table');
  });
});
