import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Account } from './api';

export const AccountContext = createContext<{ account: Account | null; refresh: () => Promise<void> }>({
  account: null,
  refresh: async () => {},
});
export const useAccount = () => useContext(AccountContext);
