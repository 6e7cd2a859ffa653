// Rows open on click, but a click is not a keyboard: each list's main column is also a real link.
import type { MouseEvent, ReactNode } from 'react';
import { Link, useCreatePath, useRecordContext, useResourceContext } from 'react-admin';

export const ShowLink = ({ source, children, resource, id }: { source?: string; children?: ReactNode; resource?: string; id?: string | number; label?: string }) => {
  const record = useRecordContext();
  const current = useResourceContext();
  const createPath = useCreatePath();
  const target = resource ?? current;
  const targetId = id ?? record?.id;
  if (!target || targetId === undefined || targetId === null) return null;
  return (
    <Link to={createPath({ resource: target, type: 'show', id: targetId })} onClick={(e: MouseEvent) => e.stopPropagation()} sx={{ overflowWrap: 'anywhere' }}>
      {children ?? (source ? String(record?.[source] ?? '') : String(targetId))}
    </Link>
  );
};
