const FNV_OFFSET_BASIS = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;
const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const ID_LENGTH = 10;

/** Hashes a string with 64-bit FNV-1a over its UTF-16 code units. Not cryptographic: ids only. */
function fnv1a64(text: string): bigint {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * FNV_PRIME) & MASK_64;
  }
  return hash;
}

/**
 * Derives a finding id such as `kh-3f9a2c71d0` from the pair's key id and event ids, so the same pair gets
 * the same id in every scan and poll. Ten base-32 characters are 50 bits, short enough to type.
 */
export function findingId(accessKeyId: string, createEventId: string, deleteEventId: string): string {
  let hash = fnv1a64(`${accessKeyId}|${createEventId}|${deleteEventId}`);
  let id = '';
  for (let i = 0; i < ID_LENGTH; i++) {
    id += ID_ALPHABET[Number(hash & 31n)];
    hash >>= 5n;
  }
  return `kh-${id}`;
}
