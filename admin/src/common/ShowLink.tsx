// Rows open on click, but a click is not a keyboard: each list's main column is also a real link.
import type { MouseEvent, ReactNode } from 'react';
import { Link, useCreatePath, useRecordContext, useResourceContext } from 'react-admin';

/** `idFrom`: the record's member that holds the target's id (another resource's), instead of the record's own id. */
export const ShowLink = ({ source, children, resource, id, idFrom }: {
  source?: string; children?: ReactNode; resource?: string; id?: string | number; idFrom?: string; label?: string;
}) => {
  const record = useRecordContext();
  const current = useResourceContext();
  const createPath = useCreatePath();
  const target = resource ?? current;
  const targetId = id ?? (idFrom ? record?.[idFrom] : record?.id);
  if (!target || targetId === undefined || targetId === null) return null;
  return (
    <Link to={createPath({ resource: target, type: 'show', id: targetId })} onClick={(e: MouseEvent) => e.stopPropagation()} sx={{ overflowWrap: 'anywhere' }}>
      {children ?? (source ? String(record?.[source] ?? '') : String(targetId))}
    </Link>
  );
};
