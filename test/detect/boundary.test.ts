import fs from 'node:fs';
import path from 'node:path';

const DETECT_DIR = path.resolve(process.cwd(), 'src/detect');
const ALLOWED_IMPORT = /^\.\.?\/(?:[a-z-]+\.js|\.\.\/duration\.js)$/;

describe('detect import boundary', () => {
  const files = fs.readdirSync(DETECT_DIR).filter((name) => name.endsWith('.ts'));

  test.each(files)('%s imports only pure modules', (name) => {
    const source = fs.readFileSync(path.join(DETECT_DIR, name), 'utf8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((match) => match[1]);
    expect(imports.filter((specifier) => !ALLOWED_IMPORT.test(specifier ?? ''))).toEqual([]);
  });

  test.each(files)('%s never reads the clock', (name) => {
    const source = fs.readFileSync(path.join(DETECT_DIR, name), 'utf8');
    expect(source).not.toMatch(/Date\.now\(|new Date\(\)|performance\.now|process\./);
  });
});
