// pt-BR texts: what each API error and each asset error code means for the photographer, and what
// to do about it. The service's own `message` and `hint` (English) are shown as details.
// The asset codes and the 503 codes are typed from docs/openapi.yaml: a code added there fails the
// type check until it has its text here.
import type { components } from "../../client/schema";

type AssetErrorCode = components["schemas"]["AssetErrorCode"];
type ServiceUnavailableCode = components["schemas"]["ServiceUnavailableCode"];

export const kAssetErrors: Record<AssetErrorCode, { text: string; fix: string }> & Record<string, { text: string; fix: string } | undefined> = {
  UPLOAD_MISSING: { text: "O arquivo não chegou ao armazenamento.", fix: "Envie o arquivo de novo." },
  SIZE_MISMATCH: { text: "O arquivo recebido tem tamanho diferente do declarado.", fix: "Envie de novo o mesmo arquivo, sem editá-lo durante o envio." },
  CHECKSUM_MISMATCH: { text: "O conteúdo recebido não confere com a verificação (SHA-256).", fix: "Envie de novo; se persistir, copie o arquivo outra vez da câmera ou do celular." },
  UNSUPPORTED_FORMAT: { text: "Formato não aceito.", fix: "Exporte as fotos em JPEG, HEIC, PNG, WebP ou TIFF e os vídeos em MP4 (H.264) ou MOV." },
  TYPE_MISMATCH: { text: "O conteúdo não é do tipo escolhido (ex.: um vídeo marcado como foto).", fix: "Corrija o tipo do arquivo e envie de novo." },
  CORRUPT_MEDIA: { text: "O arquivo está danificado ou incompleto.", fix: "Copie o arquivo de novo da câmera ou do celular e envie outra vez." },
  IMAGE_TOO_LARGE: { text: "A foto, ou cada quadro do vídeo, tem pixels demais para processar.", fix: "Exporte a foto com no máximo 100 megapixels, ou o vídeo em 4K (3840 × 2160) ou menor." },
  VIDEO_TOO_LONG: { text: "O vídeo é mais longo que o permitido.", fix: "Corte o vídeo (até 30 minutos por padrão) e envie de novo." },
  VIDEO_TRANSCODE_FAILED: { text: "Não foi possível converter o vídeo.", fix: "Exporte o vídeo de novo como MP4 (H.264) e envie outra vez." },
  ORIENTATION_MISMATCH: { text: "A orientação exibida não é a escolhida (vertical × horizontal).", fix: "Troque o tipo para a orientação certa e envie de novo." },
  PROCESSING_TIMEOUT: { text: "O processamento não terminou a tempo.", fix: "Tente reprocessar; se persistir, avise o suporte com o número do lote." },
  UPLOAD_EXPIRED: { text: "O envio não foi concluído no prazo (1 dia) e foi fechado.", fix: "Comece um envio novo e conclua-o." },
  UPLOAD_CANCELLED: { text: "O envio foi cancelado.", fix: "Comece um envio novo quando quiser." },
  INTERNAL_ERROR: { text: "Erro interno do serviço.", fix: "Tente reprocessar mais tarde; se persistir, avise o suporte com o número do lote." },
};

export const kFieldRules: Record<string, string> = {
  FILE_TOO_LARGE: "Arquivo maior que o limite para este tipo.",
  CONTENT_TYPE_NOT_ALLOWED: "Tipo de arquivo não aceito para este tipo de mídia.",
  DUPLICATE: "Valor repetido no lote.",
  TOO_LONG: "Texto longo demais.",
  REQUIRED: "Campo obrigatório.",
  EMPTY: "Campo vazio.",
  OUT_OF_RANGE: "Valor fora do permitido.",
  BAD_CHECKSUM: "Verificação (SHA-256) inválida.",
  UNKNOWN_VALUE: "Valor desconhecido.",
  INVALID_UTF8: "Nome com caracteres inválidos.",
  CONTROL_CHARACTER: "Nome ou título com caracteres de controle.",
  WRONG_TYPE: "Valor de tipo errado.",
  TOO_MANY_FILES: "Arquivos demais num só envio.",
  NO_FILES: "Nenhum arquivo no envio.",
};

// A 503 is transient. The status polling retries it by itself; a create or complete that got one
// is left to the photographer to send again, so the text says to try again, not that the page does.
const kUnavailable: Record<ServiceUnavailableCode, string> = {
  DATABASE_BUSY: "Serviço ocupado no momento. Tente de novo em instantes.",
  DATABASE_UNAVAILABLE: "Serviço temporariamente indisponível. Tente de novo em instantes.",
  STORE_UNAVAILABLE: "Armazenamento temporariamente indisponível. Tente de novo em instantes.",
  PIPELINE_UNAVAILABLE: "Processamento temporariamente indisponível. Tente de novo em instantes.",
  INSUFFICIENT_STORAGE: "O servidor está sem espaço em disco. Tente de novo mais tarde; se persistir, avise o suporte.",
  SERVER_BUSY: "Serviço sobrecarregado. Tente de novo em instantes.",
};

export const kApiErrors: Record<string, string | undefined> = {
  ...kUnavailable,
  UNAUTHENTICATED: "Sua sessão expirou ou o link está incompleto. Abra de novo o link de envio.",
  FORBIDDEN: "Você não tem permissão para enviar mídias deste imóvel.",
  LISTING_NOT_FOUND: "Imóvel não encontrado.",
  LISTING_NOT_READY_FOR_UPLOAD: "Este imóvel não está aguardando fotos agora.",
  OPEN_BATCH_EXISTS: "Já existe um envio em andamento para este imóvel.",
  BATCH_NOT_FOUND: "Envio não encontrado.",
  BATCH_NOT_PENDING: "Este envio já foi concluído.",
  UPLOAD_INCOMPLETE: "Alguns arquivos não chegaram completos. Envie-os de novo.",
  PAYLOAD_TOO_LARGE: "Manifesto grande demais.",
  NETWORK_ERROR: "Sem conexão com o serviço. Verifique a internet e tente de novo.",
};

export const kMediaTypes: Record<string, string> = {
  PHOTO_HORIZONTAL: "Foto horizontal",
  PHOTO_VERTICAL: "Foto vertical",
  VIDEO_HORIZONTAL: "Vídeo horizontal",
  VIDEO_VERTICAL: "Vídeo vertical",
  PROJECT_DOC: "Documento do projeto",
  PROJECT_RENDER: "Imagem do projeto",
};

export const kStates: Record<string, string> = {
  PENDING_UPLOAD: "aguardando envio",
  UPLOADED: "recebido",
  RECEIVED: "recebido",
  PROCESSING: "processando",
  READY: "pronto",
  FAILED: "falhou",
};
