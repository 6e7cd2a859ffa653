// Buttons that always show their label. react-admin's <Button> keeps only its icon under 600 px,
// and a button without an icon was left an empty square there (Resolve, Assign on a phone).
import ListIcon from '@mui/icons-material/List';
import { Button, type ButtonProps } from '@mui/material';
import { Link, useCreatePath, useTranslate } from 'react-admin';

export const ActionButton = ({ label, ...props }: Omit<ButtonProps, 'children'> & { label: string }) => {
  const translate = useTranslate();
  return <Button size="small" {...props}>{translate(label, { _: label })}</Button>;
};

/** Back to a resource's list, as a link. */
export const ListLinkButton = ({ resource }: { resource: string }) => {
  const translate = useTranslate();
  const createPath = useCreatePath();
  return (
    <Button component={Link} to={createPath({ resource, type: 'list' })} size="small" startIcon={<ListIcon />}>
      {translate('ra.action.list')}
    </Button>
  );
};
