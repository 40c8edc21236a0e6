/** What a running operation reports. Every count only grows; the last event has `done` true. */
export interface ProgressEvent {
  /** What is running, so one listener can serve every operation. */
  operation: 'backup' | 'restore' | 'verify' | 'delete';
  /** The backup being made, restored, checked or deleted. */
  backupId: string;
  /** Volume bytes processed so far (read for a backup, written or checked for a restore). */
  bytesDone: number;
  /** Volume bytes the operation will process in all. */
  bytesTotal: number;
  /** Objects written (backup) or read (restore, verify) so far. */
  objectsDone: number;
  /** Bytes that went to or came from the store so far (after compression). */
  bytesTransferred: number;
  /**
   * Volume bytes of `bytesDone` found all zero and spared the usual work: a backup stores them as
   * the shared zero object, compressed once, instead of compressing them again; a restore leaves
   * them as holes in a fresh target instead of writing them. Always 0 for a verify and a delete.
   */
  zeroBytes: number;
  /**
   * Volume bytes of `bytesDone` an incremental backup did not store because their blocks match the
   * parent's. Always 0 for a full backup and for the other operations.
   */
  unchangedBytes: number;
  /** True on the last event, once all the work is done, so a display can finish its line. */
  done: boolean;
}

/** Called with every {@link ProgressEvent}, inline as the engine works: keep it quick and make it not throw. */
export type ProgressListener = (event: ProgressEvent) => void;
