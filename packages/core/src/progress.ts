/** What a running operation reports. Byte counts only grow; the last event has `done` true. */
export interface ProgressEvent {
  operation: 'backup' | 'restore' | 'verify' | 'delete';
  backupId: string;
  /** Volume bytes processed so far (read for a backup, written or checked for a restore). */
  bytesDone: number;
  /** Volume bytes the operation will process in all. */
  bytesTotal: number;
  /** Objects written (backup) or read (restore, verify) so far. */
  objectsDone: number;
  /** Bytes that went to or came from the store so far (after compression). */
  bytesTransferred: number;
  done: boolean;
}

export type ProgressListener = (event: ProgressEvent) => void;
