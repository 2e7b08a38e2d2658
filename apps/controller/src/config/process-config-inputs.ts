import * as fs from 'node:fs';
import * as os from 'node:os';
import { ConfigInputs } from './config-loader';

/** The real process's arguments, environment and files: the single place main.ts gets them from. */
export function processConfigInputs(): ConfigInputs {
  return {
    argv: process.argv.slice(2),
    env: { ...process.env },
    cwd: process.cwd(),
    homeDir: os.homedir(),
    readTextFile(filePath: string): string | undefined {
      try {
        return fs.readFileSync(filePath, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}
