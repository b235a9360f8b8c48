// Who may call the simulated Exchange and what each service account may read:
// the ApplicationImpersonation role (New-ManagementRoleAssignment -Role
// ApplicationImpersonation) for every mailbox, or Reviewer on single
// mailboxes' Calendar folders (Add-MailboxFolderPermission … -AccessRights
// Reviewer). Mailboxes are keyed by primary SMTP address, case-insensitively
// as Exchange resolves them.
export interface ServiceAccount {
  userName: string;
  password: string;
  impersonation: boolean;
  /** Mailboxes whose Calendar folder this account has Reviewer on. */
  reviewerOn: Set<string>;
}

export class EwsDirectory {
  private readonly accounts = new Map<string, ServiceAccount>();
  private readonly mailboxes = new Set<string>();

  addMailbox(address: string): void {
    this.mailboxes.add(address.toLowerCase());
  }

  hasMailbox(address: string): boolean {
    return this.mailboxes.has(address.toLowerCase());
  }

  addAccount(account: {
    userName: string;
    password: string;
    impersonation?: boolean;
    reviewerOn?: string[];
  }): void {
    this.accounts.set(account.userName.toLowerCase(), {
      userName: account.userName,
      password: account.password,
      impersonation: account.impersonation ?? false,
      reviewerOn: new Set((account.reviewerOn ?? []).map((address) => address.toLowerCase())),
    });
  }

  /** The account of that name (UPN or DOMAIN\\user, as added), for NTLM, which proves the password without sending it. */
  accountNamed(userName: string): ServiceAccount | undefined {
    return this.accounts.get(userName.toLowerCase());
  }

  /** The account when the name and password match; a password change is just a new addAccount. */
  authenticate(userName: string, password: string): ServiceAccount | undefined {
    const account = this.accounts.get(userName.toLowerCase());
    return account !== undefined && account.password === password ? account : undefined;
  }

  canReview(account: ServiceAccount, mailbox: string): boolean {
    return account.reviewerOn.has(mailbox.toLowerCase());
  }
}
