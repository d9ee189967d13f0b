/**
 * slack/manifest.yml against Slack's app manifest. Slack publishes no JSON schema for it that this machine can
 * reach; the schema below is written from the fields Slack documents, as typed in @slack/web-api's Manifest
 * (dist/types/request/manifest.d.ts: names, nesting and limits), with every object strict so that a misspelt key
 * fails. The scopes are also checked by tsc against that type's list of bot scopes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppsManifestCreateArguments } from '@slack/web-api';
import { parse } from 'yaml';
import { z } from 'zod';

type Manifest = AppsManifestCreateArguments['manifest'];
type BotScope = NonNullable<NonNullable<NonNullable<Manifest['oauth_config']>['scopes']>['bot']>[number];

const REPO = join(__dirname, '../..');
const manifest = parse(readFileSync(join(REPO, 'slack/manifest.yml'), 'utf8'));

const httpsUrl = z.url({ protocol: /^https$/ });
const manifestSchema = z.strictObject({
  _metadata: z
    .strictObject({ major_version: z.union([z.literal(1), z.literal(2)]).optional(), minor_version: z.number().int().optional() })
    .optional(),
  display_information: z.strictObject({
    name: z.string().min(1).max(35),
    description: z.string().max(140).optional(),
    long_description: z.string().min(174).max(4000).optional(),
    background_color: z
      .string()
      .regex(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i)
      .optional(),
  }),
  features: z
    .strictObject({
      app_home: z
        .strictObject({
          home_tab_enabled: z.boolean().optional(),
          messages_tab_enabled: z.boolean().optional(),
          messages_tab_read_only_enabled: z.boolean().optional(),
        })
        .optional(),
      bot_user: z
        .strictObject({
          display_name: z
            .string()
            .max(80)
            .regex(/^[a-z0-9._-]+$/),
          always_online: z.boolean().optional(),
        })
        .optional(),
      slash_commands: z
        .array(
          z.strictObject({
            command: z
              .string()
              .regex(/^\/[^\s]+$/)
              .max(32),
            description: z.string().min(1).max(2000),
            should_escape: z.boolean().optional(),
            url: httpsUrl.optional(),
            usage_hint: z.string().max(1000).optional(),
          }),
        )
        .max(50)
        .optional(),
    })
    .optional(),
  oauth_config: z
    .strictObject({
      redirect_urls: z.array(httpsUrl).max(1000).optional(),
      scopes: z.strictObject({ bot: z.array(z.string()).max(255).optional(), user: z.array(z.string()).max(255).optional() }).optional(),
      token_management_enabled: z.boolean().optional(),
    })
    .optional(),
  settings: z
    .strictObject({
      allowed_ip_address_ranges: z.array(z.string()).max(50).optional(),
      interactivity: z
        .strictObject({ is_enabled: z.boolean(), request_url: httpsUrl.optional(), message_menu_options_url: httpsUrl.optional() })
        .optional(),
      org_deploy_enabled: z.boolean().optional(),
      socket_mode_enabled: z.boolean().optional(),
      token_rotation_enabled: z.boolean().optional(),
    })
    .optional(),
});

/** The scope of each Slack Web API method the Slack adapter calls (docs.slack.dev/reference/methods/<method>). */
const METHOD_SCOPES: Record<string, BotScope> = { 'chat.postMessage': 'chat:write', 'conversations.open': 'im:write' };
/** Every scope Turbo needs: its methods' and `commands` for the slash command. tsc checks these are Slack's names. */
const NEEDED = ['chat:write', 'im:write', 'commands'] as const satisfies readonly BotScope[];

describe('slack/manifest.yml', () => {
  it('is a valid app manifest by the fields and limits Slack documents', () => {
    const result = manifestSchema.safeParse(manifest);
    expect(result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([]);
  });

  it('refuses what Slack would refuse (the schema is not a rubber stamp)', () => {
    const broken = structuredClone(manifest);
    broken.features.slash_commands[0].command = 'turbo';
    broken.settings.interactivity.request_url = 'http://insecure.example.com/x';
    broken.oauth_config.scope = broken.oauth_config.scopes;
    expect(
      manifestSchema
        .safeParse(broken)
        .error!.issues.map((issue) => issue.path.join('.'))
        .sort(),
    ).toEqual(['features.slash_commands.0.command', 'oauth_config', 'settings.interactivity.request_url']);
  });

  it('asks for exactly the scopes the code needs: every method the Slack adapter calls, and commands', () => {
    const adapter = readFileSync(join(REPO, 'functions/adapters/slack.ts'), 'utf8');
    const called = [...new Set([...adapter.matchAll(/this\.client\.(\w+)\.(\w+)\(/g)].map((match) => `${match[1]}.${match[2]}`))].sort();
    expect(called).toEqual(Object.keys(METHOD_SCOPES).sort());
    expect(new Set([...Object.values(METHOD_SCOPES), 'commands'])).toEqual(new Set(NEEDED));
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...NEEDED].sort());
  });

  it('sends /turbo and the buttons to the endpoint the stack serves, verified with the signing secret', () => {
    const route = /path: (\/slack\/interactions)\n/.exec(readFileSync(join(REPO, 'serverless.yml'), 'utf8'))![1];
    expect(manifest.features.slash_commands.map((command: { command: string }) => command.command)).toEqual(['/turbo']);
    expect(new URL(manifest.features.slash_commands[0].url).pathname).toBe(route);
    expect(new URL(manifest.settings.interactivity.request_url).pathname).toBe(route);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
