// Who may call the simulated Exchange, which mailboxes exist and what each
// service account may read: the ApplicationImpersonation role
// (New-ManagementRoleAssignment -Role ApplicationImpersonation) for every
// mailbox, or Reviewer on single mailboxes' Calendar folders. Mailboxes are
// keyed by primary SMTP address, case-insensitively as Exchange resolves
// them; secondary addresses (proxy addresses) find them too, for ResolveNames.
//
// A mailbox's language names its default folders: a Swedish mailbox's
// calendar is "Kalender", and the distinguished folder id "calendar" finds
// it whatever it is called (docs/web-service-reference/distinguishedfolderid.md
// in MicrosoftDocs/office-developer-exchange-docs).
//
// Reviewer is granted as Add-MailboxFolderPermission grants it: -Identity
// takes <mailbox>:\<folder path> (learn.microsoft.com/powershell/module/exchange/add-mailboxfolderpermission),
// and the path is the folder's display name in the mailbox's language, so
// on a Swedish mailbox it is alice@contoso.example:\Kalender. The cmdlet
// ends with an error that the folder cannot be found when the path names no
// folder (alice@contoso.example:\Calendar there), and nothing is granted; a
// grant here whose path is not the mailbox's calendar grants nothing either.
// A grant given as a plain address stands for the calendar in any language.
import { calendarFolderName } from './folderNames';

interface FolderGrant {
  /** As written before the ":\": an address or an alias of the mailbox. */
  mailbox: string;
  /** The folder path after ":\", or undefined for "its calendar, whatever its name". */
  folderPath: string | undefined;
}

export interface ServiceAccount {
  userName: string;
  password: string;
  impersonation: boolean;
  /** Folders this account has Reviewer on. */
  reviewerOn: FolderGrant[];
}

export interface SimulatedMailbox {
  primaryAddress: string;
  displayName: string;
  /** A culture name such as sv-SE; en-US unless told. */
  language: string;
  /** Secondary SMTP addresses. */
  aliases: string[];
}

export interface MailboxOptions {
  language?: string;
  aliases?: string[];
  displayName?: string;
}

function grantOf(text: string): FolderGrant {
  const separator = text.indexOf(':\\');
  return separator === -1
    ? { mailbox: text, folderPath: undefined }
    : { mailbox: text.slice(0, separator), folderPath: text.slice(separator + 2) };
}

export class EwsDirectory {
  private readonly accounts = new Map<string, ServiceAccount>();
  private readonly mailboxes = new Map<string, SimulatedMailbox>();

  addMailbox(address: string, options: MailboxOptions = {}): SimulatedMailbox {
    const language = options.language ?? 'en-US';
    // Fails early for a language the simulator has no folder names for.
    calendarFolderName(language);
    const mailbox: SimulatedMailbox = {
      primaryAddress: address,
      displayName: options.displayName ?? address.split('@')[0] ?? address,
      language,
      aliases: [...(options.aliases ?? [])],
    };
    this.mailboxes.set(address.toLowerCase(), mailbox);
    return mailbox;
  }

  /** By primary SMTP address only, as ConnectingSID/PrimarySmtpAddress and a folder's Mailbox are matched here. */
  hasMailbox(address: string): boolean {
    return this.mailboxes.has(address.toLowerCase());
  }

  /** By primary or secondary SMTP address. */
  mailboxByAddress(address: string): SimulatedMailbox | undefined {
    const wanted = address.toLowerCase();
    return (
      this.mailboxes.get(wanted) ??
      [...this.mailboxes.values()].find((mailbox) =>
        mailbox.aliases.some((alias) => alias.toLowerCase() === wanted),
      )
    );
  }

  /** The display name of the mailbox's Calendar folder, in its language. */
  calendarFolderName(address: string): string | undefined {
    const mailbox = this.mailboxByAddress(address);
    return mailbox && calendarFolderName(mailbox.language);
  }

  addAccount(account: {
    userName: string;
    password: string;
    impersonation?: boolean;
    /** Plain addresses, or folder identities as Add-MailboxFolderPermission takes them: `alice@x:\Kalender`. */
    reviewerOn?: string[];
  }): void {
    this.accounts.set(account.userName.toLowerCase(), {
      userName: account.userName,
      password: account.password,
      impersonation: account.impersonation ?? false,
      reviewerOn: (account.reviewerOn ?? []).map(grantOf),
    });
  }

  /** The account of that name (UPN or DOMAIN\user, as added), for NTLM, which proves the password without sending it. */
  accountNamed(userName: string): ServiceAccount | undefined {
    return this.accounts.get(userName.toLowerCase());
  }

  /** The account when the name and password match; a password change is just a new addAccount. */
  authenticate(userName: string, password: string): ServiceAccount | undefined {
    const account = this.accounts.get(userName.toLowerCase());
    return account !== undefined && account.password === password ? account : undefined;
  }

  /** Whether the account has Reviewer on the Calendar folder of the mailbox with this primary address. */
  canReview(account: ServiceAccount, mailbox: string): boolean {
    const target = this.mailboxByAddress(mailbox);
    if (target === undefined) return false;
    const calendar = calendarFolderName(target.language).toLowerCase();
    return account.reviewerOn.some(
      (grant) =>
        this.mailboxByAddress(grant.mailbox) === target &&
        (grant.folderPath === undefined || grant.folderPath.toLowerCase() === calendar),
    );
  }
}
