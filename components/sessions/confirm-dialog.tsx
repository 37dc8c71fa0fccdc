'use client';

import { LogOut, X } from 'lucide-react';
import { useId } from 'react';
import { Dialog } from '@/components/dialog';

export interface ConfirmCopy {
  title: string;
  body: string;
  names: string[];
  note: string | null;
  confirmLabel: string;
  destructive: boolean;
}

/** The confirmation of a sign-out: Escape, the backdrop and Cancel cancel. */
export function ConfirmDialog({
  copy,
  onConfirm,
  onCancel,
}: {
  copy: ConfirmCopy | null;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const titleId = useId();
  const bodyId = useId();

  return (
    <Dialog
      open={copy !== null}
      onCancel={onCancel}
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      className="m-auto w-[calc(100%-2rem)] max-w-md rounded-2xl border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40 backdrop:backdrop-blur-[1px]"
    >
      {copy ? (
        <div className="p-6">
          <div className="flex items-start justify-between gap-4">
            <h2 id={titleId} className="text-lg font-semibold">
              {copy.title}
            </h2>
            <button type="button" onClick={onCancel} className="-m-1 rounded-md p-1 text-slate-500 hover:bg-slate-100" aria-label="Close">
              <X aria-hidden className="size-5" />
            </button>
          </div>
          <div id={bodyId} className="mt-2 space-y-3 text-sm text-slate-700">
            <p>{copy.body}</p>
            {copy.names.length > 0 ? (
              <ul className="list-disc space-y-0.5 pl-5">
                {copy.names.map((name) => (
                  <li key={name}>{name}</li>
                ))}
              </ul>
            ) : null}
            {copy.note ? <p className="rounded-lg bg-slate-50 p-3 text-slate-600">{copy.note}</p> : null}
          </div>
          <div className="mt-6 flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
            <button type="button" className="btn btn-secondary" onClick={onCancel} autoFocus>
              Cancel
            </button>
            <button
              type="button"
              onClick={onConfirm}
              className={`btn text-white shadow-sm ${copy.destructive ? 'bg-red-600 hover:bg-red-700' : 'bg-brand-600 hover:bg-brand-700'}`}
            >
              <LogOut aria-hidden className="size-4" />
              {copy.confirmLabel}
            </button>
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}
