/**
 * Weights file I/O: safetensors read/write, torch.save (.pth) reading, format dispatch, bad input.
 * Fixtures in test/fixtures/weights/ were made by make_fixtures.py there; tests that need Python
 * (/usr/bin/python3 with torch or numpy) are skipped with a note when it is absent (and fail under RESDET_REQUIRE_ALL / CI: test/helpers/requirements.ts).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HostTensor, f32ToBf16, f32ToF16, toFloat32, toNumbers } from '../../engine/host_tensor';
import { readTorchStateDict } from '../../engine/pth/torch_load';
import { unpickle } from '../../engine/pth/unpickler';
import { readSafetensors, readSafetensorsWithMetadata, writeSafetensors } from '../../engine/safetensors';
import { readWeightsFile } from '../../engine/weights_file';
import { PYTHON as PY, requires } from '../helpers/requirements';

const FIX = path.join(__dirname, '..', 'fixtures', 'weights');

interface Expected { dtype: string; shape: number[]; values: number[] }

function python(code: string, args: string[] = []) {
  return spawnSync(PY, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

function expectTensor(name: string, got: HostTensor | undefined, exp: Expected): void {
  if (!got) throw new Error(`missing tensor ${name}`);
  expect({ name, dtype: got.dtype, shape: got.shape }).toEqual({ name, dtype: exp.dtype, shape: exp.shape });
  expect(got.data.length).toBe(exp.values.length);
  const bad: string[] = [];
  for (let i = 0; i < exp.values.length && bad.length < 5; i++) {
    const e = exp.values[i];
    const g = got.data[i];
    const ok = got.data instanceof BigInt64Array ? g === BigInt(e)
      : got.data instanceof Float32Array ? g === Math.fround(e)
        : got.dtype === 'bool' ? g === (e ? 1 : 0) : g === e;
    if (!ok) bad.push(`${name}[${i}]: got ${g}, want ${e}`);
  }
  expect(bad).toEqual([]);
}

function expectAll(got: Map<string, HostTensor>, exp: Record<string, Expected>): void {
  expect([...got.keys()]).toEqual(Object.keys(exp));
  for (const [k, e] of Object.entries(exp)) expectTensor(k, got.get(k), e);
}

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-weights-')); });
afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

describe('shipped fixtures (no Python needed)', () => {
  const expected = JSON.parse(fs.readFileSync(path.join(FIX, 'expected.json'), 'utf8')) as Record<string, Record<string, Expected>>;
  for (const file of Object.keys(expected)) {
    test(`readWeightsFile ${file}`, async () => {
      expectAll(await readWeightsFile(path.join(FIX, file)), expected[file]);
    });
  }

  test('tensor details: int64 as BigInt64Array, half types widened, helpers', async () => {
    const sd = await readTorchStateDict(path.join(FIX, 'tensors.pth'));
    expect(sd.get('bn.num_batches_tracked')).toEqual({ dtype: 'int64', shape: [], data: BigInt64Array.of(7n) });
    expect(sd.get('f16')!.data).toBeInstanceOf(Float32Array);
    expect(sd.get('bf16')!.data).toBeInstanceOf(Float32Array);
    expect(sd.get('transposed')!.shape).toEqual([5, 3]);
    expect(toNumbers(sd.get('i64')!)[0]).toBe(-3 * 1000000007);
    expect(Array.from(toFloat32(sd.get('u8')!))).toEqual([0, 1, 200, 255]);
    // a view and its base share a storage: each gets its own copy
    sd.get('base')!.data[3] = 99;
    expect(sd.get('view_offset')!.data[0]).not.toBe(99);
  });

  test('safetensors metadata is returned', async () => {
    const { metadata } = await readSafetensorsWithMetadata(path.join(FIX, 'tensors.safetensors'));
    expect(metadata).toEqual({ format: 'pt', source: 'make_fixtures.py' });
  });
});

describe('fresh torch.save files (needs /usr/bin/python3 with torch)', () => {
  const maybe = requires('torch').test;

  maybe('random state dict: every value matches (zip and legacy format)', async () => {
    const script = `
import json, sys, torch
g = torch.Generator().manual_seed(int(sys.argv[2]))
sd = {}
for i in range(12):
    shape = [int(d) for d in torch.randint(1, 7, (int(torch.randint(0, 4, (1,), generator=g)),), generator=g)]
    sd[f'layer{i}.weight'] = torch.randn(shape, generator=g, dtype=torch.float64 if i % 5 == 4 else torch.float32)
big = torch.randn(300, 301, generator=g)
sd['big.t'] = big.t()
sd['big.rows'] = big[7:19]
sd['big.cols'] = big[:, 5::3]
sd['idx'] = torch.randint(-2**40, 2**40, (17,), generator=g)
sd['half'] = torch.randn(33, generator=g).half()
sd['bn.num_batches_tracked'] = torch.tensor(int(sys.argv[2]))
torch.save(sd, sys.argv[1] + '.pth')
torch.save(sd, sys.argv[1] + '.legacy.pth', _use_new_zipfile_serialization=False)
dt = {torch.float32: 'float32', torch.float64: 'float64', torch.float16: 'float16', torch.int64: 'int64'}
json.dump({k: {'dtype': dt[t.dtype], 'shape': list(t.shape),
               'values': (t.double() if t.is_floating_point() else t).reshape(-1).tolist()} for k, t in sd.items()},
          open(sys.argv[1] + '.json', 'w'))
`;
    const base = path.join(tmp, 'fresh');
    const seed = String(1 + Math.floor(Math.random() * 100000));
    const r = python(script, [base, seed]);
    expect(r.stderr).toBe('');
    const exp = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8')) as Record<string, Expected>;
    expectAll(await readWeightsFile(`${base}.pth`), exp);
    expectAll(await readWeightsFile(`${base}.legacy.pth`), exp);
  });

  maybe('a pickled whole nn.Module gets a clear error', async () => {
    const file = path.join(tmp, 'module.pth');
    expect(python('import sys, torch; torch.save(torch.nn.Linear(2, 2), sys.argv[1])', [file]).status).toBe(0);
    await expect(readWeightsFile(file)).rejects.toThrow(
      `${file}: torch file: holds an object of class torch.nn.modules.linear.Linear, not a state dict of tensors; save model.state_dict() instead`);
  });

  maybe('unpickler agrees with Python pickle, protocols 0-5', () => {
    const r = python(`
import pickle, sys
v = {'a': [1, -2, 3.5, None, True, False], 'b': ('x', 'ü', b'\\x00\\xff'), 'big': 2**70, 'neg': -2**63,
     'nested': {'k': [[1], [2, 3]]}, 'e': '', 7: 'int key'}
sys.stdout.write(''.join(pickle.dumps(v, protocol=p).hex() + '\\n' for p in range(6)))
`);
    expect(r.status).toBe(0);
    for (const hex of r.stdout.trim().split('\n')) {
      const v = unpickle(Buffer.from(hex, 'hex')) as Map<unknown, unknown>;
      expect(v.get('a')).toEqual([1, -2, 3.5, null, true, false]);
      const b = v.get('b') as unknown[];
      expect(b.slice(0, 2)).toEqual(['x', 'ü']);
      expect(Array.from(b[2] as Uint8Array)).toEqual([0, 255]);
      expect(v.get('big')).toBe(2n ** 70n);
      expect(v.get('neg')).toBe(-(2n ** 63n));
      expect(v.get('nested')).toEqual(new Map([['k', [[1], [2, 3]]]]));
      expect(v.get('e')).toBe('');
      expect(v.get(7)).toBe('int key');
    }
  });
});

describe('writeSafetensors', () => {
  const tensors: Record<string, HostTensor> = {
    'conv.weight': { dtype: 'float32', shape: [2, 3], data: Float32Array.of(1, -2, 3.5, 0, 1e-8, -0) },
    f64: { dtype: 'float64', shape: [2], data: Float64Array.of(Math.PI, -1e300) },
    f16: { dtype: 'float16', shape: [4], data: Float32Array.of(1, -0.5, 65504, 2 ** -24) },
    bf16: { dtype: 'bfloat16', shape: [3], data: Float32Array.of(1, -3.140625, 2 ** 100) },
    'bn.num_batches_tracked': { dtype: 'int64', shape: [], data: BigInt64Array.of(-(2n ** 62n)) },
    i32: { dtype: 'int32', shape: [3], data: Int32Array.of(-7, 0, 2147483647) },
    i16: { dtype: 'int16', shape: [2], data: Int16Array.of(-32768, 5) },
    i8: { dtype: 'int8', shape: [2, 1], data: Int8Array.of(-128, 127) },
    u8: { dtype: 'uint8', shape: [3], data: Uint8Array.of(0, 128, 255) },
    mask: { dtype: 'bool', shape: [3], data: Uint8Array.of(1, 0, 1) },
    empty: { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) },
  };

  test('round trip, header padding, atomic replace', async () => {
    const file = path.join(tmp, 'rt.safetensors');
    fs.writeFileSync(file, 'old contents');
    await writeSafetensors(file, tensors, { format: 'pt', note: 'héllo' });
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const buf = fs.readFileSync(file);
    const n = Number(buf.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const { tensors: back, metadata } = await readSafetensorsWithMetadata(file);
    expect(metadata).toEqual({ format: 'pt', note: 'héllo' });
    expect(new Set(back.keys())).toEqual(new Set(Object.keys(tensors)));
    for (const [k, t] of Object.entries(tensors)) expect(back.get(k)).toEqual(t);
    // a Map works too, and so does converting data to the declared dtype
    await writeSafetensors(file, new Map([['x', { dtype: 'int64', shape: [2], data: Float64Array.of(3, -4) } as HostTensor]]));
    expect((await readSafetensors(file)).get('x')!.data).toEqual(BigInt64Array.of(3n, -4n));
  });

  const maybe = requires('numpy').test;
  maybe('the written file reads back in Python', async () => {
    const file = path.join(tmp, 'py.safetensors');
    await writeSafetensors(file, tensors, { format: 'pt' });
    const r = python(`
import json, struct, sys
import numpy as np
f = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', f[:8])[0]
assert n % 8 == 0
h = json.loads(f[8:8 + n])
data = f[8 + n:]
NP = {'F32': '<f4', 'F64': '<f8', 'F16': '<f2', 'I64': '<i8', 'I32': '<i4', 'I16': '<i2', 'I8': 'i1', 'U8': 'u1', 'BOOL': '?'}
out, ends = {'__metadata__': h.pop('__metadata__')}, []
for k, e in h.items():
    b, end = e['data_offsets']
    ends.append((b, end))
    if e['dtype'] == 'BF16':
        a = (np.frombuffer(data[b:end], '<u2').astype(np.uint32) << 16).view(np.float32)
    else:
        a = np.frombuffer(data[b:end], NP[e['dtype']])
    assert a.size == int(np.prod(e['shape']))
    vals = [int(x) for x in a] if a.dtype.kind in 'iub' else [float(x) for x in a]
    out[k] = {'dtype': e['dtype'], 'shape': e['shape'], 'values': vals}
ends.sort()
assert ends[0][0] == 0 and all(ends[i][1] == ends[i + 1][0] for i in range(len(ends) - 1)) and ends[-1][1] == len(data)
try:
    from safetensors.numpy import load_file
    loaded = load_file(sys.argv[1])
    out['__safetensors__'] = sorted(loaded)
except ImportError:
    pass
print(json.dumps(out))
`, [file]);
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout);
    expect(got.__metadata__).toEqual({ format: 'pt' });
    if (got.__safetensors__) expect(got.__safetensors__).toEqual(Object.keys(tensors).sort());
    const ST: Record<string, string> = { float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL' };
    for (const [k, t] of Object.entries(tensors)) {
      expect(got[k].dtype).toBe(ST[t.dtype]);
      expect(got[k].shape).toEqual(t.shape);
      if (t.dtype === 'float16' || t.dtype === 'bfloat16') continue; // compared below, after rounding
      if (t.dtype === 'int64') expect(got[k].values.map(BigInt)).toEqual(Array.from(t.data as BigInt64Array));
      else expect(got[k].values).toEqual(Array.from(t.data as Float32Array));
    }
    // half types: Python's decode of our narrowed bits equals our own decode
    const back = await readSafetensors(file);
    expect(got.f16.values).toEqual(toNumbers(back.get('f16')!));
    expect(got.bf16.values).toEqual(toNumbers(back.get('bf16')!));
    expect(got['bn.num_batches_tracked'].values).toEqual([-(2 ** 62)]);
  });

  maybe('float16/bfloat16 narrowing rounds like numpy/torch', () => {
    const vals = [0.1, 1 / 3, -2.5e-5, 3e-8, 2e-8, 1e-9, 65519, 65520, 1e6, -1e-300, 1.0009765625, 1.00048828125, 3.0e38, 1e39, NaN, -Infinity];
    const r = python(`
import json, sys
import numpy as np
v = np.array(json.loads(sys.argv[1].replace('nan', 'NaN').replace('-inf', '-Infinity').replace('inf', 'Infinity')), dtype=np.float64).astype(np.float32)
out = {'f16': [int(x) for x in v.astype(np.float16).view(np.uint16)]}
try:
    import torch
    out['bf16'] = [int(x) & 0xffff for x in torch.from_numpy(v).bfloat16().view(torch.int16).tolist()]
except ImportError:
    pass
print(json.dumps(out))
`, [JSON.stringify(vals.map((v) => (Number.isNaN(v) ? 'nan' : v === -Infinity ? '-inf' : v))).replace(/"/g, '')]);
    expect(r.status).toBe(0); // stderr may hold numpy's overflow warnings
    const want = JSON.parse(r.stdout) as { f16: number[]; bf16?: number[] };
    const f16 = vals.map(f32ToF16);
    // NaN payloads may differ: compare NaN-ness only
    const norm = (bits: number[], exp: number) => bits.map((b) => ((b & exp) === exp && b & ~(exp | 0x8000) & 0xffff ? 'nan' : b));
    expect(norm(f16, 0x7c00)).toEqual(norm(want.f16, 0x7c00));
    if (want.bf16) expect(norm(vals.map(f32ToBf16), 0x7f80)).toEqual(norm(want.bf16, 0x7f80));
  });
});

describe('bad input: errors name the file', () => {
  const cut = (src: string, n: number, name: string): string => {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, fs.readFileSync(path.join(FIX, src)).subarray(0, n));
    return p;
  };

  test('missing file', async () => {
    const p = path.join(tmp, 'nope.pth');
    await expect(readWeightsFile(p)).rejects.toThrow(`${p}: weights file not found`);
    await expect(readSafetensors(p)).rejects.toThrow(p);
    await expect(readTorchStateDict(p)).rejects.toThrow(p);
  });

  test('truncated zip', async () => {
    const size = fs.statSync(path.join(FIX, 'tensors.pth')).size;
    const p = cut('tensors.pth', Math.floor(size / 2), 'trunc.pth');
    await expect(readWeightsFile(p)).rejects.toThrow(new RegExp(`^${escape(p)}: truncated or corrupt zip`));
  });

  test('corrupt storage bytes (CRC) and truncated legacy file', async () => {
    const buf = Buffer.from(fs.readFileSync(path.join(FIX, 'tensors.pth')));
    const local = buf.indexOf(Buffer.from('tensors/data/0')) - 30; // its local file header
    buf[local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28) + 5] ^= 0xff; // a byte of the storage
    const p = path.join(tmp, 'flipped.pth');
    fs.writeFileSync(p, buf);
    await expect(readWeightsFile(p)).rejects.toThrow(`${p}: corrupt zip archive: CRC mismatch in "tensors/data/0"`);
    const q = cut('tensors_legacy.pth', 2000, 'trunc_legacy.pth');
    await expect(readWeightsFile(q)).rejects.toThrow(new RegExp(`^${escape(q)}: legacy torch file: .*truncated`));
  });

  test('truncated safetensors header and data', async () => {
    const p = cut('tensors.safetensors', 40, 'trunc.safetensors');
    await expect(readWeightsFile(p)).rejects.toThrow(`${p}: truncated safetensors file`);
    const size = fs.statSync(path.join(FIX, 'tensors.safetensors')).size;
    const q = cut('tensors.safetensors', size - 3, 'trunc2.safetensors');
    await expect(readWeightsFile(q)).rejects.toThrow(`${q}: truncated safetensors file`);
  });

  test('random bytes, empty file, pickle of a non-torch object', async () => {
    const p = path.join(tmp, 'random.bin');
    fs.writeFileSync(p, Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919 + 13) % 251)));
    await expect(readWeightsFile(p)).rejects.toThrow(`${p}: not a weights file`);
    await expect(readSafetensors(p)).rejects.toThrow(p);
    const e = path.join(tmp, 'empty.pth');
    fs.writeFileSync(e, '');
    await expect(readWeightsFile(e)).rejects.toThrow(`${e}: not a weights file: the file is empty`);
    const k = path.join(tmp, 'plain.pkl'); // pickle.dumps({}, protocol=2)
    fs.writeFileSync(k, Buffer.from('80027d71002e', 'hex'));
    await expect(readWeightsFile(k)).rejects.toThrow(`${k}: not a weights file`);
    const m = path.join(tmp, 'int.pkl'); // pickle.dumps(2**70, protocol=2): looks legacy, is not torch
    fs.writeFileSync(m, Buffer.from('80028a090000000000000000402e', 'hex'));
    await expect(readTorchStateDict(m)).rejects.toThrow(`${m}: legacy torch file: not a torch.save file`);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
