// MD4 (RFC 1320), which NTLM's NT hash is built on. Node 22's OpenSSL 3 keeps
// MD4 in its legacy provider, so crypto.createHash('md4') throws
// "unsupported" here; the client (@ewsjs/ntlm-client) brings js-md4 for the
// same reason. The simulator has its own so that the server's check does not
// share code with the client it checks.
const SHIFTS = [
  [3, 7, 11, 19],
  [3, 5, 9, 13],
  [3, 9, 11, 15],
] as const;
const ROUND_2_ORDER = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
const ROUND_3_ORDER = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];

const rotateLeft = (value: number, bits: number) => ((value << bits) | (value >>> (32 - bits))) >>> 0;

function padded(message: Buffer): Buffer {
  const length = message.length;
  const total = Math.ceil((length + 9) / 64) * 64;
  const block = Buffer.alloc(total);
  message.copy(block);
  block[length] = 0x80;
  const bits = BigInt(length) * 8n;
  block.writeBigUInt64LE(bits, total - 8);
  return block;
}

export function md4(message: Buffer): Buffer {
  const state = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const data = padded(message);
  for (let offset = 0; offset < data.length; offset += 64) {
    const x = Array.from({ length: 16 }, (_, index) => data.readUInt32LE(offset + index * 4));
    let [a, b, c, d] = state as [number, number, number, number];
    const rounds: Array<{ order: (i: number) => number; mix: () => number; constant: number }> = [
      { order: (i) => i, mix: () => (b & c) | (~b & d), constant: 0 },
      { order: (i) => ROUND_2_ORDER[i] ?? 0, mix: () => (b & c) | (b & d) | (c & d), constant: 0x5a827999 },
      { order: (i) => ROUND_3_ORDER[i] ?? 0, mix: () => b ^ c ^ d, constant: 0x6ed9eba1 },
    ];
    rounds.forEach((round, r) => {
      for (let i = 0; i < 16; i++) {
        const shift = SHIFTS[r]?.[i % 4] ?? 0;
        const sum = (a + round.mix() + (x[round.order(i)] ?? 0) + round.constant) >>> 0;
        [a, b, c, d] = [d, rotateLeft(sum, shift), b, c];
      }
    });
    state[0] = (state[0]! + a) >>> 0;
    state[1] = (state[1]! + b) >>> 0;
    state[2] = (state[2]! + c) >>> 0;
    state[3] = (state[3]! + d) >>> 0;
  }
  const digest = Buffer.alloc(16);
  state.forEach((word, index) => {
    digest.writeUInt32LE(word, index * 4);
  });
  return digest;
}
