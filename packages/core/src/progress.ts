/** What a running operation reports. Byte counts only grow; the last event has `done` true. */
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
  /** True on the last event, once all the work is done, so a display can finish its line. */
  done: boolean;
}

/** Called with every {@link ProgressEvent}, inline as the engine works: keep it quick and make it not throw. */
export type ProgressListener = (event: ProgressEvent) => void;
