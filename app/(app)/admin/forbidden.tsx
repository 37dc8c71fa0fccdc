import Link from 'next/link';

export default function AdminForbidden() {
  return (
    <section className="card max-w-xl">
      <h1 className="text-2xl font-bold tracking-tight">Administrators only</h1>
      <p className="mt-2 text-slate-600">
        This page lets administrators sign other people out. Your account doesn&apos;t have the administrator role.
      </p>
      <Link href="/account/security" className="btn btn-secondary mt-4">
        Go to your security page
      </Link>
    </section>
  );
}
