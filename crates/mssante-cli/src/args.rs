//! The command line: every argument type, apart from the code that runs it.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Outils pour les opérateurs MSSanté : l'extraction publique des BAL, le fichier
/// d'alimentation, la liste blanche, les dépôts et l'état de l'annuaire.
#[derive(Parser, Debug)]
#[command(name = "mssante", version)]
pub(crate) struct Cli {
    /// Aucun compte rendu sur la sortie standard (seuls le code de sortie et les
    /// erreurs) ; les objets `--json` sont toujours écrits.
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// L'extraction publique `Extraction_Correspondance_MSSante`.
    #[command(subcommand)]
    Extraction(ExtractionCmd),
    /// Le fichier d'alimentation d'un opérateur (format v1, docs/formats/bal-feed.md).
    #[command(subcommand)]
    Feed(FeedCmd),
    /// La liste blanche des domaines de l'espace de confiance.
    #[command(subcommand, name = "liste-blanche")]
    ListeBlanche(ListeBlancheCmd),
    /// Écrit des fichiers synthétiques reproductibles.
    Generate(GenerateArgs),
    /// Dépose un fichier d'alimentation dans un état et affiche son CR de dépôt.
    ///
    /// Code de sortie : 0 accepté (acquitté : inscrit au registre), 1 rejeté (son
    /// CR de dépôt est au registre), 2 rien n'a été enregistré (fichier illisible,
    /// état inutilisable ou verrouillé trop longtemps).
    Deposit(DepositArgs),
    /// Lance une alimentation : chaque dépôt accepté dont la date métier est close
    /// à l'heure du lancement, par date ; écrit un CR d'intégration par fichier.
    ///
    /// Code de sortie : 0 toutes les lignes intégrées, 1 des lignes rejetées ou un
    /// dépôt en échec au contrôle d'intégrité, 2 erreur (pas d'état, état endommagé).
    Run(RunArgs),
    /// L'état de l'annuaire lui-même : créer, vérifier, exporter.
    #[command(subcommand)]
    State(StateCmd),
    /// Compare l'alimentation d'un opérateur à une extraction publique.
    ///
    /// Code de sortie : 0 concordance, 1 écarts, 2 un fichier est inutilisable.
    Reconcile(ReconcileArgs),
    /// Les fichiers de CR de dépôt et de CR d'intégration.
    #[command(subcommand)]
    Cr(CrCmd),
    /// Les avis d'incident de l'ANS.
    #[command(subcommand)]
    Incident(IncidentCmd),
    /// L'envoi de messages dans l'espace de confiance : routage, simulation de rafale,
    /// messages d'avis, envoi sur TLS vérifié, lecture des DSN.
    #[command(subcommand)]
    Mail(MailCmd),
    /// TLS dans l'espace de confiance : certificats IGC-Santé et liste blanche.
    #[command(subcommand)]
    Tls(TlsCmd),
    /// Le service de politique Postfix (`check_policy_service`) : l'espace de
    /// confiance appliqué par le MTA (docs/postfix.md).
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// Écrit le script de complétion d'un shell sur la sortie standard.
    Completions {
        /// Le shell.
        shell: clap_complete::Shell,
    },
    /// Écrit la page de manuel (roff) sur la sortie standard.
    Man,
}

impl Command {
    /// True when the command was asked for JSON output: its failures are then
    /// a JSON error object on stdout too.
    pub(crate) fn json(&self) -> bool {
        match self {
            Command::Extraction(ExtractionCmd::Check(a)) | Command::Feed(FeedCmd::Check(a)) => a.json,
            Command::Extraction(ExtractionCmd::Diff { json, .. })
            | Command::ListeBlanche(ListeBlancheCmd::Check { json, .. })
            | Command::State(StateCmd::Verify { json, .. })
            | Command::Cr(CrCmd::Show { json, .. })
            | Command::Incident(IncidentCmd::Parse { json, .. }) => *json,
            Command::Deposit(a) => a.json,
            Command::Run(a) => a.json,
            Command::Reconcile(a) => a.json,
            Command::Mail(MailCmd::Plan(a)) => a.json,
            Command::Mail(MailCmd::Simulate(a)) => a.json,
            Command::Mail(MailCmd::Notice(a)) => a.json,
            Command::Mail(MailCmd::Send(a)) => a.json,
            Command::Mail(MailCmd::Dsn { json, .. }) => *json,
            Command::Tls(TlsCmd::Probe(a)) => a.json,
            Command::Generate(_)
            | Command::State(_)
            | Command::Incident(_)
            | Command::ListeBlanche(ListeBlancheCmd::Export(_))
            | Command::Policy(_)
            | Command::Completions { .. }
            | Command::Man => false,
        }
    }
}

#[derive(Subcommand, Debug)]
pub(crate) enum MailCmd {
    /// Route des destinataires (une adresse par ligne) vers les opérateurs de
    /// destination, en transactions d'au plus --max destinataires.
    ///
    /// Code de sortie : 0 tous routés, 1 certains refusés.
    Plan(PlanArgs),
    /// Rejoue une alerte de masse et du courrier clinique vers une destination au
    /// débit d'acceptation limité, avec et sans voies séparées.
    Simulate(SimulateArgs),
    /// Écrit le message de notification d'un avis d'incident (son JSON, tel que
    /// l'écrit `incident parse --json`, ou son texte) dans un fichier, avec son enveloppe.
    ///
    /// Code de sortie : 0 écrit, 1 un destinataire hors de l'espace de confiance (avec
    /// --liste-blanche) ou plus grand que --max-size, 2 entrée inutilisable.
    Notice(Box<NoticeArgs>),
    /// Envoie un message (fichier .eml) à un serveur de l'espace de confiance, sur TLS
    /// vérifié : un pair refusé ne reçoit rien.
    ///
    /// Code de sortie : 0 remis (tous les destinataires acceptés), 1 pair refusé ou
    /// message refusé (en tout ou en partie), 2 envoi impossible (connexion, fichier).
    Send(Box<SendArgs>),
    /// Lit un rapport de non-remise (DSN, RFC 3464) : le sort de chaque destinataire.
    ///
    /// Code de sortie : 0 lu, 2 ce n'est pas un DSN conforme.
    Dsn {
        /// Le message DSN (`-` : entrée standard).
        file: PathBuf,
        /// Écrit exactement un objet JSON sur la sortie standard.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum TlsCmd {
    /// Se connecte, dit EHLO, STARTTLS, vérifie le pair pour le domaine, puis QUIT :
    /// aucun message n'est envoyé.
    ///
    /// Code de sortie : 0 pair de confiance pour le domaine, 1 refusé, 2 vérification
    /// impossible (connexion refusée, fichier illisible).
    Probe(Box<ProbeArgs>),
}

/// Ce qui fonde la confiance : la liste blanche, la chaîne IGC-Santé, les CRL, le
/// certificat de l'opérateur.
#[derive(clap::Args, Debug)]
pub(crate) struct TrustArgs {
    /// La liste blanche.
    #[arg(long)]
    pub(crate) liste_blanche: PathBuf,
    /// Certificats d'AC de confiance (PEM, DER ou .p7b) ; seuls ceux-ci sont crus.
    #[arg(long, required = true)]
    pub(crate) ca: Vec<PathBuf>,
    /// Listes de révocation (DER ou PEM), signées par une AC de --ca.
    #[arg(long)]
    pub(crate) crl: Vec<PathBuf>,
    /// Accepte un certificat dont aucune CRL à jour ne dit le statut (un certificat
    /// révoqué reste refusé).
    #[arg(long)]
    pub(crate) allow_unknown_revocation: bool,
    /// Certificat de l'opérateur (PEM, avec sa chaîne) pour le TLS mutuel.
    #[arg(long, requires = "key", conflicts_with = "p12")]
    pub(crate) cert: Option<PathBuf>,
    /// Clé privée du certificat (PEM).
    #[arg(long, requires = "cert")]
    pub(crate) key: Option<PathBuf>,
    /// Certificat et clé de l'opérateur en PKCS#12 (.p12).
    #[arg(long)]
    pub(crate) p12: Option<PathBuf>,
    /// Variable d'environnement qui contient le mot de passe du .p12.
    #[arg(long, requires = "p12", conflicts_with = "p12_password_file")]
    pub(crate) p12_password_env: Option<String>,
    /// Fichier qui contient le mot de passe du .p12 (sa première ligne).
    #[arg(long, requires = "p12")]
    pub(crate) p12_password_file: Option<PathBuf>,
    /// TLS dès la connexion (sans STARTTLS).
    #[arg(long)]
    pub(crate) implicit_tls: bool,
    /// Le nom annoncé dans EHLO.
    #[arg(long, default_value = "localhost")]
    pub(crate) ehlo: String,
    /// Délai maximal de connexion, de lecture et d'écriture, en secondes.
    #[arg(long, default_value_t = 60)]
    pub(crate) timeout: u64,
    /// Vérifie les dates de validité à cet instant (RFC 3339) plutôt que maintenant.
    #[arg(long)]
    pub(crate) at: Option<String>,
}

/// `tls probe`.
#[derive(clap::Args, Debug)]
pub(crate) struct ProbeArgs {
    /// Le serveur, `HÔTE:PORT`.
    pub(crate) target: String,
    /// Le domaine de destination dont le serveur doit présenter un certificat listé.
    #[arg(long)]
    pub(crate) domain: String,
    #[command(flatten)]
    pub(crate) trust: TrustArgs,
    /// Écrit exactement un objet JSON sur la sortie standard.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `mail send`.
#[derive(clap::Args, Debug)]
pub(crate) struct SendArgs {
    /// Le message, tel qu'il sera transmis (`-` : entrée standard).
    pub(crate) message: PathBuf,
    /// L'adresse de l'expéditeur (MAIL FROM).
    #[arg(long)]
    pub(crate) from: String,
    /// Les destinataires (RCPT TO), option répétée ou séparés par des virgules.
    #[arg(long, required = true, value_delimiter = ',')]
    pub(crate) to: Vec<String>,
    /// Le serveur, `HÔTE:PORT`.
    #[arg(long)]
    pub(crate) via: String,
    /// Le domaine de destination dont le serveur doit présenter un certificat listé.
    #[arg(long)]
    pub(crate) domain: String,
    /// ENVID (RFC 3461) : l'identifiant que les DSN rappelleront.
    #[arg(long)]
    pub(crate) envid: Option<String>,
    #[command(flatten)]
    pub(crate) trust: TrustArgs,
    /// Écrit exactement un objet JSON sur la sortie standard.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum IncidentCmd {
    /// Lit un avis (texte français) en incidents.
    ///
    /// Code de sortie : 0 lu, 2 ce n'est pas un avis.
    Parse {
        /// Le texte de l'avis (`-` : entrée standard).
        file: PathBuf,
        /// Écrit exactement un objet JSON sur la sortie standard (tableau `incidents`).
        #[arg(long)]
        json: bool,
        /// La date d'envoi de l'avis (AAAA-MM-JJ) ; par défaut : la dernière date
        /// écrite avec son année.
        #[arg(long)]
        date: Option<String>,
    },
    /// Rédige un avis à partir de son JSON (tel que l'écrit `incident parse --json`) ou de son texte.
    ///
    /// Code de sortie : 0 écrit ; 2 illisible, ou un texte qui ne se relirait
    /// pas à l'identique (N806).
    Render {
        /// Le fichier JSON ou texte (`-` : entrée standard).
        file: PathBuf,
        /// Format de sortie.
        #[arg(long, value_enum, default_value_t = RenderFormat::Text)]
        format: RenderFormat,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Fusionne des avis successifs en incidents, chacun avec ses mises à jour.
    ///
    /// Un incident annoncé (« nouveau ») puis clos dans un avis suivant est un
    /// seul incident : son identifiant vient de son titre et du jour où son
    /// impact a commencé. Code de sortie : 0 écrit, 2 un avis illisible.
    Timeline {
        /// Les avis : JSON (`incident parse --json`) ou texte français, dans
        /// n'importe quel ordre (`-` : entrée standard, une fois).
        #[arg(required = true)]
        notices: Vec<PathBuf>,
        /// Format de sortie.
        #[arg(long, value_enum, default_value_t = TimelineFormat::Text)]
        format: TimelineFormat,
        #[command(flatten)]
        page: PageArgs,
    },
}

/// The status page options of `incident render` and `incident timeline`.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct PageArgs {
    /// Adresse de la page de statut (`https://…`) : liens des incidents
    /// (`…/incidents/ID`) et du flux Atom (`…/history.atom`).
    #[arg(long)]
    pub(crate) base_url: Option<String>,
    /// Identifiant de la page (`page_id` du JSON Statuspage).
    #[arg(long, default_value = "mssante")]
    pub(crate) page_id: String,
    /// Nom de la page (titre du flux Atom).
    #[arg(long, default_value = "Incidents MSSanté")]
    pub(crate) page_name: String,
}

/// `--format` of `incident timeline`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimelineFormat {
    /// Les incidents et leurs mises à jour, lisibles.
    Text,
    /// Le JSON de la chronologie (incidents, mises à jour, anomalies).
    Json,
    /// Le `incidents.json` d'une page Statuspage (v2).
    Statuspage,
    /// Un flux Atom, une entrée par mise à jour.
    Atom,
    /// iCalendar : l'impact de chaque incident et ses actions prévues.
    Ical,
}

#[derive(Subcommand, Debug)]
pub(crate) enum StateCmd {
    /// Crée un état (un dossier absent ou vide, ou une base qui n'en a pas).
    Init {
        /// Un dossier, ou `postgres://utilisateur@hôte/base`.
        state: StateLoc,
    },
    /// Vérifie tout l'état : registre, contenus des dépôts contre leur SHA-256,
    /// fichiers de l'annuaire, comptes rendus.
    ///
    /// Code de sortie : 0 sain, 1 des anomalies (listées), 2 pas d'état à cet endroit.
    Verify {
        #[command(flatten)]
        opts: StateOpts,
        /// Écrit exactement un objet JSON sur la sortie standard.
        #[arg(long)]
        json: bool,
    },
    /// Écrit un état (dossier ou base) en un nouveau dossier d'état : les mêmes
    /// fichiers reports/ et directory/, octet pour octet, que ceux d'un état dossier.
    Export {
        #[command(flatten)]
        opts: StateOpts,
        /// Le dossier à écrire (absent ou vide).
        dir: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum CrCmd {
    /// Lit un compte rendu (forme `|`) et l'affiche en français, ou en JSON.
    Show {
        /// Le fichier du compte rendu (`-` : entrée standard).
        file: PathBuf,
        /// Écrit exactement un objet JSON sur la sortie standard.
        #[arg(long)]
        json: bool,
        /// Combien de lignes de détail le texte liste.
        #[arg(long, default_value_t = 50)]
        detail: usize,
        /// CR d'intégration : seulement son en-tête (totaux, anomalies par code), lu
        /// sans ses lignes. Automatique au-delà de 64 Mio.
        #[arg(long)]
        summary: bool,
    },
}

#[derive(clap::Args, Debug, Clone)]
pub(crate) struct CheckArgs {
    /// Le fichier à contrôler (`-` : entrée standard).
    pub(crate) file: PathBuf,
    /// Écrit exactement un objet JSON sur la sortie standard.
    #[arg(long)]
    pub(crate) json: bool,
    /// Une clé RPPS, ADELI ou FINESS fausse rejette l'enregistrement (défaut : avertissement).
    #[arg(long)]
    pub(crate) strict: bool,
    /// Ligne la plus longue acceptée, en octets.
    #[arg(long, default_value_t = mssante_bal::reader::DEFAULT_MAX_LINE)]
    pub(crate) max_line_len: usize,
    /// Accepte (avec un avertissement) les lignes au mauvais nombre de champs au lieu de les rejeter.
    #[arg(long)]
    pub(crate) lenient: bool,
    /// Fils de travail (1 = lecture en flux sur un seul fil ; défaut : les cœurs disponibles).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Combien d'exemples d'anomalies le résumé texte liste.
    #[arg(long, default_value_t = 20)]
    pub(crate) show: usize,
    /// Exemples gardés par code d'anomalie (résumé et `--json`) ; les comptes par
    /// code, gravité et colonne sont toujours complets.
    #[arg(long, default_value_t = mssante_bal::issues::DEFAULT_EXAMPLES)]
    pub(crate) examples: usize,
    /// Écrit toutes les anomalies, une ligne JSON chacune (line, byte, record, code,
    /// severity, column, message), dans ce fichier (`-` : sortie standard ; le
    /// résumé va alors sur la sortie d'erreur).
    #[arg(long, value_name = "FICHIER")]
    pub(crate) issues_ndjson: Option<PathBuf>,
    /// Taille décompressée maximale de l'entrée d'une archive ZIP, en octets.
    #[arg(long, default_value_t = mssante_bal::archive::DEFAULT_MAX_ENTRY)]
    pub(crate) max_zip_entry: u64,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ExtractionCmd {
    /// Lit tout le fichier, valide chaque enregistrement, affiche un résumé.
    ///
    /// Code de sortie : 0 tous valides, 1 certains rejetés, 2 le fichier est inutilisable.
    Check(CheckArgs),
    /// Les BAL ajoutées, supprimées et modifiées entre deux extractions (texte ou
    /// ZIP publié), en mémoire bornée : l'ancien fichier est lu deux fois.
    Diff {
        /// Le fichier le plus ancien.
        old: PathBuf,
        /// Le fichier le plus récent (`-` : entrée standard).
        new: PathBuf,
        /// Écrit exactement un objet JSON sur la sortie standard.
        #[arg(long)]
        json: bool,
        /// Taille décompressée maximale de l'entrée d'une archive ZIP, en octets.
        #[arg(long, default_value_t = mssante_bal::archive::DEFAULT_MAX_ENTRY)]
        max_zip_entry: u64,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum FeedCmd {
    /// Lit tout le fichier d'alimentation, valide chaque enregistrement, affiche un résumé.
    ///
    /// Code de sortie : 0 tous valides, 1 certains rejetés, 2 le fichier est inutilisable.
    Check(CheckArgs),
}

#[derive(Subcommand, Debug)]
pub(crate) enum ListeBlancheCmd {
    /// Lit une liste blanche et la résume.
    Check {
        /// Le fichier XML (`-` : entrée standard).
        file: PathBuf,
        /// Écrit exactement un objet JSON sur la sortie standard.
        #[arg(long)]
        json: bool,
        /// Liste aussi les opérateurs de ce domaine.
        #[arg(long)]
        domain: Option<String>,
    },
    /// Écrit une table Postfix tirée de la liste blanche : une ligne par domaine
    /// (forme IDNA ASCII, triée), sortie identique pour une même liste blanche.
    ///
    /// Code de sortie : 0 écrite, 2 liste blanche illisible.
    Export(ExportArgs),
}

/// `mssante liste-blanche export`.
#[derive(clap::Args, Debug)]
pub(crate) struct ExportArgs {
    /// Le fichier XML (`-` : entrée standard).
    pub(crate) file: PathBuf,
    /// La table : `transport_maps`, `smtp_tls_policy_maps` ou `check_recipient_access`.
    #[arg(long, value_enum)]
    pub(crate) format: MapFormatArg,
    /// Le transport de `master.cf` des domaines de l'espace de confiance
    /// (`--format postfix-transport`).
    #[arg(long, default_value = "mssante")]
    pub(crate) transport: String,
    /// Écrit la table dans ce fichier (remplacé d'un coup) au lieu de la sortie standard.
    #[arg(long, short)]
    pub(crate) output: Option<PathBuf>,
}

/// The Postfix table formats.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MapFormatArg {
    /// `transport_maps` : `domaine transport:`.
    #[value(name = "postfix-transport")]
    Transport,
    /// `smtp_tls_policy_maps` : `domaine secure match=cn1:cn2 protocols=…`.
    #[value(name = "postfix-tls-policy")]
    TlsPolicy,
    /// `check_recipient_access` : `domaine OK`.
    #[value(name = "postfix-recipient-access")]
    RecipientAccess,
}

#[derive(Subcommand, Debug)]
pub(crate) enum PolicyCmd {
    /// Sert les requêtes de Postfix (`check_policy_service inet:ADRESSE`) jusqu'à
    /// SIGTERM ou SIGINT : une ligne JSON par décision sur la sortie d'erreur.
    ///
    /// Code de sortie : 0 arrêt propre, 2 démarrage impossible (adresse occupée,
    /// liste blanche ou fichier illisible).
    Serve(Box<ServeArgs>),
}

/// `mssante policy serve`.
#[derive(clap::Args, Debug)]
pub(crate) struct ServeArgs {
    /// L'adresse d'écoute (`127.0.0.1:10040`).
    #[arg(long)]
    pub(crate) listen: String,
    /// La liste blanche (relue quand le fichier change ; un fichier cassé garde
    /// l'ancienne).
    #[arg(long)]
    pub(crate) liste_blanche: PathBuf,
    /// Nos domaines : un destinataire de l'un d'eux rend la requête entrante
    /// (plusieurs : répéter l'option ou séparer par des virgules).
    #[arg(long, required = true, value_delimiter = ',')]
    pub(crate) own_domains: Vec<String>,
    /// Les expéditeurs d'envois de masse : une adresse ou `@domaine` par ligne.
    #[arg(long)]
    pub(crate) bulk_senders: Option<PathBuf>,
    /// Budget d'envoi de masse par opérateur de destination, en destinataires par minute.
    #[arg(long, default_value_t = 480)]
    pub(crate) bulk_per_minute: u32,
    /// Les CN des AC acceptées pour les certificats clients (IGC-Santé) ; sans
    /// cette option, toute AC que Postfix a vérifiée.
    #[arg(long, value_delimiter = ',')]
    pub(crate) issuer_cn: Vec<String>,
    /// N'applique rien : répond DUNNO et journalise ce qui aurait été répondu.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Taille maximale d'une requête, en octets (plafonnée à 1 Mio).
    #[arg(long, default_value_t = 16 * 1024)]
    pub(crate) max_request_bytes: usize,
    /// Une connexion sans requête pendant ce nombre de secondes est fermée.
    #[arg(long, default_value_t = 330)]
    pub(crate) idle_timeout: u64,
    /// Connexions servies à la fois (plafonnées à 10 000).
    #[arg(long, default_value_t = 1000)]
    pub(crate) max_connections: usize,
    /// Intervalle de surveillance du fichier de liste blanche, en millisecondes.
    #[arg(long, default_value_t = 2000)]
    pub(crate) reload_interval_ms: u64,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GenKind {
    /// Un fichier d'extraction.
    Extraction,
    /// Un fichier d'alimentation d'opérateur.
    Feed,
    /// Une liste blanche.
    ListeBlanche,
}

#[derive(clap::Args, Debug)]
pub(crate) struct GenerateArgs {
    /// Ce qu'il faut produire.
    pub(crate) kind: GenKind,
    /// Nombre d'enregistrements (BAL).
    #[arg(long, default_value_t = 1000)]
    pub(crate) records: u64,
    /// Graine aléatoire : même graine, mêmes octets.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Fichier de sortie (défaut : sortie standard). Pour une alimentation, un dossier
    /// reçoit un fichier nommé selon le modèle d'alimentation.
    #[arg(short, long)]
    pub(crate) output: Option<PathBuf>,
    /// Rend invalides environ ce nombre d'enregistrements par million.
    #[arg(long, default_value_t = 0)]
    pub(crate) errors_per_million: u32,
    /// Alimentation seulement : indice de l'opérateur dont les BAL sont écrites.
    #[arg(long, default_value_t = 0)]
    pub(crate) operator: usize,
    /// Fins de ligne CRLF.
    #[arg(long)]
    pub(crate) crlf: bool,
    /// Extraction seulement : le fichier tel que publié ce nombre de jours plus tard (même
    /// graine : fichiers liés, pour `extraction diff`).
    #[arg(long, default_value_t = 0)]
    pub(crate) day: u32,
}

/// `mssante deposit`.
#[derive(clap::Args, Debug)]
pub(crate) struct DepositArgs {
    /// Le fichier d'alimentation (`-` : entrée standard, avec --name) ; son nom est le nom déposé.
    pub(crate) file: PathBuf,
    /// Le nom déposé, quand ce n'est pas celui du fichier (obligatoire avec `-`).
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// L'opérateur déposant.
    #[arg(long)]
    pub(crate) operator: String,
    /// L'état (un dossier, créé s'il est absent ou vide ; ou `postgres://…`).
    #[command(flatten)]
    pub(crate) state: StateOpts,
    /// Heure du dépôt : RFC 3339, ou `AAAA-MM-JJTHH:MM[:SS]` heure de Paris (défaut : maintenant).
    #[arg(long)]
    pub(crate) at: Option<String>,
    /// Plus grand fichier accepté, en octets (la lecture s'arrête un octet au-delà).
    #[arg(long, default_value_t = mssante_cr::deposit::DEFAULT_MAX_SIZE)]
    pub(crate) max_size: u64,
    /// Nombre maximal de lignes de données acceptées.
    #[arg(long, default_value_t = mssante_cr::deposit::DEFAULT_MAX_RECORDS)]
    pub(crate) max_records: u64,
    /// Écrit exactement un objet JSON sur la sortie standard.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `mssante run`.
#[derive(clap::Args, Debug)]
pub(crate) struct RunArgs {
    /// L'état (un dossier qui en est un, ou `postgres://…`).
    #[command(flatten)]
    pub(crate) state: StateOpts,
    /// Heure du lancement : RFC 3339, ou `AAAA-MM-JJTHH:MM[:SS]` heure de Paris (défaut : maintenant).
    #[arg(long)]
    pub(crate) at: Option<String>,
    /// Liste blanche pour la règle des domaines (défaut, pour un état dossier :
    /// `ÉTAT/liste-blanche.xml` s'il existe ; sans elle, les domaines ne sont pas contrôlés).
    #[arg(long)]
    pub(crate) liste_blanche: Option<PathBuf>,
    /// Écrit exactement un objet JSON sur la sortie standard.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `mssante reconcile`.
#[derive(clap::Args, Debug)]
pub(crate) struct ReconcileArgs {
    /// Le fichier d'alimentation de l'opérateur (ce qu'il a envoyé ; `-` : entrée standard).
    pub(crate) feed: PathBuf,
    /// L'extraction publique (ce qui est publié).
    pub(crate) extraction: PathBuf,
    /// L'opérateur (défaut : d'après le nom du fichier d'alimentation).
    #[arg(long)]
    pub(crate) operator: Option<String>,
    /// Liste blanche : tous les domaines de l'opérateur sont comparés, pas seulement ceux de l'alimentation.
    #[arg(long)]
    pub(crate) liste_blanche: Option<PathBuf>,
    /// Les BAL en liste rouge sont attendues dans l'extraction (défaut : non).
    #[arg(long)]
    pub(crate) liste_rouge_published: bool,
    /// Écrit exactement un objet JSON sur la sortie standard.
    #[arg(long)]
    pub(crate) json: bool,
    /// Combien d'écarts le texte liste.
    #[arg(long, default_value_t = 20)]
    pub(crate) show: usize,
}

/// `mail plan`.
#[derive(clap::Args, Debug)]
pub(crate) struct PlanArgs {
    /// Une adresse de destinataire par ligne (`-` : entrée standard).
    #[arg(long)]
    pub(crate) recipients: PathBuf,
    /// La liste blanche.
    #[arg(long)]
    pub(crate) liste_blanche: PathBuf,
    /// Nombre maximal de destinataires par transaction SMTP.
    #[arg(long, default_value_t = 100)]
    pub(crate) max: usize,
    /// Voie du courrier : chaque transaction reçoit un créneau (connexion, départ au
    /// plus tôt) dans le budget de la destination pour cette voie.
    #[arg(long, value_enum, default_value_t = LaneArg::Clinical)]
    pub(crate) lane: LaneArg,
    /// Écrit exactement un objet JSON sur la sortie standard.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `--lane`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LaneArg {
    /// Courrier entre professionnels de santé.
    Clinical,
    /// Alertes de masse et autres envois en nombre.
    Bulk,
}

/// `mail simulate`.
#[derive(clap::Args, Debug)]
pub(crate) struct SimulateArgs {
    /// Messages d'alerte mis en file d'un coup.
    #[arg(long, default_value_t = 50_000)]
    pub(crate) alerts: u32,
    /// Messages cliniques, arrivant pendant --window secondes.
    #[arg(long, default_value_t = 500)]
    pub(crate) clinical: u32,
    /// Secondes pendant lesquelles le courrier clinique arrive.
    #[arg(long, default_value_t = 3_600)]
    pub(crate) window: u32,
    /// Messages par seconde que la destination accepte.
    #[arg(long, default_value_t = 20)]
    pub(crate) capacity: u32,
    /// Messages par seconde que l'émetteur propose.
    #[arg(long, default_value_t = 20)]
    pub(crate) budget: u32,
    /// Part du budget réservée au courrier clinique.
    #[arg(long, default_value_t = 0.2)]
    pub(crate) clinical_share: f64,
    /// Graine de la gigue.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Écrit exactement un objet JSON sur la sortie standard.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `mail notice`.
#[derive(clap::Args, Debug)]
pub(crate) struct NoticeArgs {
    /// L'avis : JSON (`incident parse --json`) ou le texte français (`-` : entrée standard).
    pub(crate) notice: PathBuf,
    /// Destinataires (option répétée, ou séparés par des virgules).
    #[arg(long, required = true, value_delimiter = ',')]
    pub(crate) to: Vec<String>,
    /// Destinataires en copie.
    #[arg(long, value_delimiter = ',')]
    pub(crate) cc: Vec<String>,
    /// Destinataires en copie cachée : dans l'enveloppe seulement, jamais dans le message.
    #[arg(long, value_delimiter = ',')]
    pub(crate) bcc: Vec<String>,
    /// Adresse de l'expéditeur.
    #[arg(long, default_value = "supervision@operateur-exemple.mssante.fr")]
    pub(crate) from: String,
    /// Nom affiché de l'expéditeur.
    #[arg(long)]
    pub(crate) from_name: Option<String>,
    /// `X-MSS-NIL` : la référence du produit donnée à la déclaration.
    #[arg(long)]
    pub(crate) nil: Option<String>,
    /// Demande un accusé de lecture (MDN) à l'expéditeur.
    #[arg(long)]
    pub(crate) disposition_notification: bool,
    /// Message-ID (`gauche@droite`), pour une sortie reproductible.
    #[arg(long)]
    pub(crate) message_id: Option<String>,
    /// Date, RFC 3339 (par ex. 2020-12-11T18:00:00Z), pour une sortie reproductible.
    #[arg(long)]
    pub(crate) date: Option<String>,
    /// Refuse les destinataires hors de cette liste blanche.
    #[arg(long)]
    pub(crate) liste_blanche: Option<PathBuf>,
    /// Plus grand message accepté, en octets.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    pub(crate) max_size: u64,
    /// Où écrire le message (`-` : sortie standard).
    #[arg(short = 'o', long)]
    pub(crate) output: PathBuf,
    /// Écrit exactement un objet JSON sur la sortie standard (pas avec `-o -`).
    #[arg(long)]
    pub(crate) json: bool,
}

/// `--format` of `incident render`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RenderFormat {
    /// Texte français, comme l'ANS écrit ses avis.
    Text,
    /// Markdown.
    Markdown,
    /// Un flux Atom, une entrée par incident de l'avis.
    Atom,
    /// Le `incidents.json` d'une page Statuspage (v2).
    Statuspage,
    /// iCalendar : l'impact de chaque incident et ses actions prévues.
    Ical,
}

/// The state options every command that takes `--state` shares.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct StateOpts {
    /// L'état : un dossier, ou `postgres://utilisateur@hôte/base`.
    #[arg(long)]
    pub(crate) state: StateLoc,
    /// Combien de secondes attendre le verrou d'un autre processus sur l'état.
    #[arg(long, default_value_t = 120)]
    pub(crate) lock_timeout: u64,
}

/// A state: a folder, or a PostgreSQL database given by its URL.
#[derive(Debug, Clone)]
pub(crate) enum StateLoc {
    /// A state folder.
    Folder(PathBuf),
    /// `postgres://…` or `postgresql://…`.
    Postgres(String),
}

impl std::str::FromStr for StateLoc {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(StateLoc::Postgres(s.to_owned()))
        } else {
            Ok(StateLoc::Folder(PathBuf::from(s)))
        }
    }
}

impl std::fmt::Display for StateLoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateLoc::Folder(p) => write!(f, "{}", p.display()),
            // Never print a password.
            StateLoc::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(s), Some(at)) if at > s => write!(f, "{}://…@{}", &url[..s], &url[at + 1..]),
                _ => f.write_str(url),
            },
        }
    }
}

/// The command line as operators read it: every help text in French (clap's
/// own words too: headings, `-h`, `-V`); only clap's error messages stay in
/// English (clap has no translations).
pub(crate) fn command() -> clap::Command {
    use clap::CommandFactory;
    french(Cli::command()).disable_version_flag(true).arg(
        clap::Arg::new("version")
            .short('V')
            .long("version")
            .action(clap::ArgAction::Version)
            .help("Affiche la version"),
    )
}

fn french(cmd: clap::Command) -> clap::Command {
    cmd.help_template("{about-with-newline}\nUtilisation : {usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("Commandes")
        .subcommand_value_name("COMMANDE")
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .arg(clap::Arg::new("help").short('h').long("help").action(clap::ArgAction::Help).help("Affiche l'aide"))
        .mut_args(french_arg)
        .mut_subcommands(french)
}

/// clap writes `[default: …]` and `[possible values: …]` in English: the
/// same facts, in French, at the end of the help text.
fn french_arg(a: clap::Arg) -> clap::Arg {
    if !a.get_action().takes_values() {
        return a;
    }
    let mut notes = Vec::new();
    let defaults: Vec<String> = a.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
    if !defaults.is_empty() {
        notes.push(format!("défaut : {}", defaults.join(", ")));
    }
    let values: Vec<clap::builder::PossibleValue> =
        a.get_possible_values().into_iter().filter(|v| !v.is_hide_set()).collect();
    if !values.is_empty() {
        notes.push(format!("valeurs : {}", values.iter().map(|v| v.get_name()).collect::<Vec<_>>().join(", ")));
    }
    if notes.is_empty() {
        return a;
    }
    let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
    let help = format!("{} ({})", help.trim_end_matches('.'), notes.join(" ; "));
    let mut long = help.clone();
    for v in values.iter().filter(|v| v.get_help().is_some()) {
        long.push_str(&format!("\n  - {} : {}", v.get_name(), v.get_help().map(|h| h.to_string()).unwrap_or_default()));
    }
    a.hide_default_value(true).hide_possible_values(true).help(help).long_help(long)
}
