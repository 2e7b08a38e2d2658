import * as fs from 'node:fs';
import * as path from 'node:path';

/** What is written down about one local instance: enough for a restarted controller to find it. */
export interface LocalInstanceRecord {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  /** Undefined only in the instant between writing the record and the process starting. */
  readonly pid?: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly createdAt: string;
  /** Wall-clock ms (epoch) from which it reports ACTIVE: a VM's boot, made visible, across restarts. */
  readonly activeAtEpochMs: number;
  /** Set when it was started to outlive the controller (its output goes there). */
  readonly logFile?: string;
  /** The golden image it runs (a store image id, or `bundle:<path>` for the built bundle). */
  readonly imageId?: string;
  /** Stopped (os-stop's equivalent: the process ended, the record and address kept) until started again. */
  readonly poweredOff?: boolean;
}

/**
 * The local provider's "cloud database": one JSON file per instance under
 * `<provider.local.stateDir>/<group>@<firstAddress>/`. The directory name includes the first
 * address because two controllers can never share it (the original listens there), so parallel
 * controllers never see each other's instances. Files are replaced atomically (write + rename).
 */
export class LocalInstanceRecords {
  readonly directory: string;

  constructor(stateDir: string, group: string, firstAddress: string) {
    this.directory = path.join(stateDir, `${group}@${firstAddress}`);
  }

  write(record: LocalInstanceRecord): void {
    fs.mkdirSync(this.directory, { recursive: true });
    const file = this.fileFor(record.id);
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`);
    fs.renameSync(temporary, file);
  }

  remove(id: string): void {
    fs.rmSync(this.fileFor(id), { force: true });
  }

  logFileFor(id: string): string {
    fs.mkdirSync(this.directory, { recursive: true });
    return path.join(this.directory, `${id}.log`);
  }

  removeLog(id: string): void {
    fs.rmSync(path.join(this.directory, `${id}.log`), { force: true });
  }

  /** Every readable record; unreadable files are returned as problems (and never deleted blindly). */
  readAll(): { records: LocalInstanceRecord[]; problems: string[] } {
    let entries: string[];
    try {
      entries = fs.readdirSync(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], problems: [] };
      throw error;
    }
    const records: LocalInstanceRecord[] = [];
    const problems: string[] = [];
    for (const entry of entries.filter((name) => name.endsWith('.json')).sort()) {
      const file = path.join(this.directory, entry);
      try {
        const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LocalInstanceRecord>;
        if (
          typeof parsed.id !== 'string' ||
          typeof parsed.name !== 'string' ||
          typeof parsed.address !== 'string'
        ) {
          throw new Error('id, name or address missing');
        }
        records.push(parsed as LocalInstanceRecord);
      } catch (error) {
        problems.push(`${file}: ${(error as Error).message}`);
      }
    }
    return { records, problems };
  }

  /** Removes the directory once nothing is recorded in it (an orderly stop leaves no trace). */
  removeDirectoryIfEmpty(): void {
    try {
      fs.rmdirSync(this.directory);
    } catch {
      // not empty, or already gone
    }
  }

  private fileFor(id: string): string {
    return path.join(this.directory, `${id}.json`);
  }
}
