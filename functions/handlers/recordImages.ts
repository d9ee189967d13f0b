/**
 * RecordDesiredImages: writes the images image-sync resolved into every developer's record, so that a cluster
 * created later (tomorrow's up) deploys the current images from the start. A record that has them already is not
 * written at all, and a replay writes nothing twice (core/audit), so the 10-minute runs do not grow the records.
 */
import * as z from 'zod';
import { clusterNameOf } from '../core/config';
import { resolvedImagesSchema } from '../core/types';
import { imageRefsOf } from '../core/images';
import { store } from './lib/root';
import { lambda } from './lib/stack';

/** Enough to keep a write throughput that DynamoDB on-demand absorbs, and a 500-developer roster quick. */
const CONCURRENT_WRITES = 16;

const input = z.object({
  images: resolvedImagesSchema,
  /** The image-sync execution's start time: the audit entry's time, the same on a replay. */
  at: z.iso.datetime({ offset: true }),
});

export const handler = lambda('RecordDesiredImages', input, { store }, async ({ images, at }, { config, store }) => {
  const desired = imageRefsOf(images);
  const action = `desired images ${Object.entries(desired)
    .map(([name, image]) => `${name}:${image.tag}`)
    .join(' ')}`;
  const developers = config.developers.map((dev) => dev.name);
  for (let i = 0; i < developers.length; i += CONCURRENT_WRITES) {
    await Promise.all(
      developers
        .slice(i, i + CONCURRENT_WRITES)
        .map((developer) =>
          store.amend(developer, { clusterName: clusterNameOf(developer), images: desired, audit: { at, by: 'image-sync', action } }),
        ),
    );
  }
  return { recorded: developers.length };
});
