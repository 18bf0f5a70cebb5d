/**
 * The Bot Framework SDK stays inside src/chat/teams, and inside it in the three files that wrap it, so moving
 * to the Microsoft 365 Agents SDK replaces those files only.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SDK_IMPORT = /from\s+['"](botbuilder[^'"]*|botframework-[^'"]*)['"]/;
const SDK_FILES = ['src/chat/teams/adapter.ts', 'src/chat/teams/bot.ts', 'src/chat/teams/http.ts'];

async function listSources(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) return listSources(path);
      return Promise.resolve(entry.name.endsWith('.ts') ? [path] : []);
    }),
  );
  return nested.flat();
}

test('only the SDK wrappers import botbuilder', async () => {
  const importing: string[] = [];
  for (const path of await listSources(join(ROOT, 'src'))) {
    if (SDK_IMPORT.test(await readFile(path, 'utf8'))) importing.push(relative(ROOT, path));
  }

  expect(importing.sort()).toEqual(SDK_FILES);
});
