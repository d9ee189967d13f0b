'use strict';
/**
 * The tags of one image build: the semantic version from frontend/package.json and `sha-<7 hex>` of the commit.
 * Pure, so that the rules are tested; scripts/build-images.sh calls the command-line form:
 *   node frontend/tools/image-tags.js --version 1.2.3 --commit <sha> --dirty false   (prints one tag a line)
 */

// The regular expression that semver.org gives for SemVer 2.0.0, less build metadata (`+` is not valid in a tag).
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;
const COMMIT = /^[0-9a-f]{7,40}$/;

function imageTags({ version, commit, dirty }) {
  if (dirty) {
    throw new Error('the work tree is dirty: images are built from committed code only, so commit or discard the changes first');
  }
  if (typeof version !== 'string' || !SEMVER.test(version)) {
    throw new Error(`version "${version}" in frontend/package.json is not a semantic version such as 1.4.0 or 2.0.0-rc.1`);
  }
  if (typeof commit !== 'string' || !COMMIT.test(commit)) {
    throw new Error(`commit "${commit}" is not a git commit SHA (7 to 40 lower-case hex characters)`);
  }
  return [version, `sha-${commit.slice(0, 7)}`];
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!['version', 'commit', 'dirty'].includes(name) || argv[i + 1] === undefined) {
      throw new Error(`usage: image-tags.js --version <semver> --commit <sha> --dirty true|false (got "${argv[i]}")`);
    }
    args[name] = argv[i + 1];
  }
  if (!['true', 'false'].includes(args.dirty)) throw new Error(`--dirty must be true or false, got "${args.dirty}"`);
  return { version: args.version, commit: args.commit, dirty: args.dirty === 'true' };
}

if (require.main === module) {
  try {
    process.stdout.write(`${imageTags(parseArgs(process.argv.slice(2))).join('\n')}\n`);
  } catch (error) {
    process.stderr.write(`image-tags: ${error.message}\n`);
    process.exit(2);
  }
}

module.exports = { imageTags, parseArgs };
