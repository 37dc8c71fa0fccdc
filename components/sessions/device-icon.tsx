import { Monitor, MonitorSmartphone, Smartphone, Tablet } from 'lucide-react';
import type { DeviceType } from '@/lib/sessions/device';

export function DeviceIcon({ type, className }: { type: DeviceType; className?: string }) {
  const Icon = type === 'desktop' ? Monitor : type === 'mobile' ? Smartphone : type === 'tablet' ? Tablet : MonitorSmartphone;
  return <Icon aria-hidden className={className} />;
}
