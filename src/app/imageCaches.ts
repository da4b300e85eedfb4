import type { ImageCache } from '../generated/prisma/client';
import type { Services } from './services';
import type { UserError } from './errors';
import { isUniqueViolation } from './errors';
import { UNSTORABLE_TEXT } from '../core/manifest';
import { exceeded, lockScope, scopes } from './limits';

/** Docker image references: [registry[:port]/]path[:tag][@digest], lower-case path components. */
const IMAGE = /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/**
 * Creates an image cache for an image (the EKS image-cache idea): pods of this account whose
 * images are all cached skip the pull (it takes ~50 ms instead of the image's pull time).
 * Idempotent: caching an image twice returns the existing cache.
 */
export async function createImageCache(svc: Services, accountId: string, input: { image: string }): Promise<{ imageCache: ImageCache | null; userErrors: UserError[] }> {
  const image = input.image;
  if (image.length === 0 || image.length > 512 || UNSTORABLE_TEXT.test(image) || !IMAGE.test(image)) {
    return { imageCache: null, userErrors: [{ field: ['image'], code: 'INVALID_VALUE', message: `image: Invalid value: ${JSON.stringify(image.slice(0, 120))}: must be an image reference such as "nginx:1.27" or "registry.example.com/team/app@sha256:<64 hex>"` }] };
  }
  const existing = await svc.db.imageCache.findUnique({ where: { accountId_image: { accountId, image } } });
  if (existing) return { imageCache: existing, userErrors: [] };
  const limits = svc.settings.limits;
  try {
    // count and insert as one step per account (an advisory lock: concurrent requests cannot slip past the limit)
    return await svc.db.$transaction(async (tx) => {
      await lockScope(tx, scopes.imageCaches(accountId));
      const again = await tx.imageCache.findUnique({ where: { accountId_image: { accountId, image } } });
      if (again) return { imageCache: again, userErrors: [] };
      if ((await tx.imageCache.count({ where: { accountId } })) >= limits.imageCachesPerAccount) {
        return { imageCache: null, userErrors: [{ field: ['image'], code: 'LIMIT_EXCEEDED', message: exceeded(limits, 'imageCachesPerAccount', `imagecaches "${image}"`, "the account's image cache limit") }] };
      }
      return { imageCache: await tx.imageCache.create({ data: { id: svc.ids.uuid(), accountId, image, createdAt: new Date(svc.clock.now()) } }), userErrors: [] };
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    return { imageCache: await svc.db.imageCache.findUniqueOrThrow({ where: { accountId_image: { accountId, image } } }), userErrors: [] };
  }
}
