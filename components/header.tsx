import { LogOut } from 'lucide-react';
import Link from 'next/link';
import { signOutAction } from '@/app/(auth)/actions';
import { NavLink } from './nav-link';

interface HeaderProps {
  user: { name: string; email: string };
  isAdmin: boolean;
}

/** On every signed-in page (OWASP ASVS 7.4.4: a visible sign-out on every authenticated page). */
export function Header({ user, isAdmin }: HeaderProps) {
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3 sm:px-6">
        <Link href="/home" className="mr-2 text-base font-bold tracking-tight">
          Demo App
        </Link>
        <nav aria-label="Main" className="order-last flex w-full gap-1 sm:order-none sm:w-auto">
          <NavLink href="/home">Home</NavLink>
          <NavLink href="/account/security">Security</NavLink>
          {isAdmin ? <NavLink href="/admin">Admin</NavLink> : null}
        </nav>
        <div className="ml-auto flex items-center gap-3">
          <span className="hidden text-right text-sm leading-tight sm:block">
            <span className="block font-medium" data-testid="header-user-name">
              {user.name}
            </span>
            <span className="block text-slate-500">{user.email}</span>
          </span>
          <form action={signOutAction}>
            <button type="submit" className="btn btn-secondary">
              <LogOut aria-hidden className="size-4" />
              Sign out
            </button>
          </form>
        </div>
      </div>
    </header>
  );
}
