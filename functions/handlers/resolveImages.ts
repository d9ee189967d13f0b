/**
 * ResolveImages: the newest version of each image that image-sync rolls, pinned to its digest. It runs once per
 * update, before the Map, so the registry is asked once however many clusters there are. The push that triggered
 * the run is only a nudge: the registry decides what is newest. An up asks with `names`: the images its record
 * does not hold yet (none asks nothing), so that its deploy pins a real release.
 */
import * as z from 'zod';
import { imageReference, imagesToSync, newestSemverTag } from '../core/images';
import { registry } from './lib/root';
import { appImageField } from './lib/imageSync';
import { lambda, logger } from './lib/stack';
import { NoReleaseError } from '../core/errors';

const input = z
  .object({
    push: z.object({ repository: z.string(), tag: z.string() }).nullish(),
    names: z.array(appImageField).optional(),
  })
  .passthrough();

export const handler = lambda('ResolveImages', input, { registry }, async ({ push, names: asked }, deps) => {
  const registry = deps.registry;
  const { includePrerelease, mongoPolicy } = deps.config.imageSync;
  const names = asked ?? imagesToSync(mongoPolicy);
  const resolved = await Promise.all(
    names.map(async (name) => {
      const repository = deps.config.images[name];
      const tags = await registry.listTags(repository);
      const tag = newestSemverTag(tags, { includePrerelease });
      if (!tag) {
        throw new NoReleaseError(
          `${repository} has no ${includePrerelease ? 'SemVer' : 'released SemVer'} tag among its ${tags.length} tags`,
        );
      }
      const image = { repository, tag, digest: await registry.digest(repository, tag) };
      return [name, { ...image, reference: imageReference(image) }] as const;
    }),
  );
  const images = Object.fromEntries(resolved);
  logger.info('images resolved', {
    push: push ?? null,
    images: Object.fromEntries(resolved.map(([name, image]) => [name, image.reference])),
  });
  return { images };
});
